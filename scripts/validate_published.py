#!/usr/bin/python3
"""Compares ncoresim with published Neuron throughput, one point per row of a table
(ncoretools.validate_published). Usage: scripts/validate_published.py FILE [-o DIR] [--jobs N]"""
import sys

from ncoretools import cli, validate_published

sys.exit(cli.entry("validate_published.py", validate_published.main))
