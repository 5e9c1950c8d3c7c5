#!/usr/bin/python3
"""Generates the model YAML files models/*.yaml and checks them with `ncoresim inspect`
(ncoretools.gen_models). Usage: scripts/gen_models.py [--out-dir DIR] [--check] [--seq N]
[--ncoresim BIN] [model ...]"""
import sys

from ncoretools import cli, gen_models

sys.exit(cli.entry("gen_models.py", gen_models.main))
