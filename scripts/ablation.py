#!/usr/bin/python3
"""Validation table with each timing mechanism switched off in turn (ncoretools.ablation).
Usage: scripts/ablation.py [FILE] [-o DIR] [--jobs N]"""
import sys

from ncoretools import ablation, cli

sys.exit(cli.entry("ablation.py", ablation.main))
