#!/usr/bin/python3
"""Per-layer bounds report of run folders: simulated cycles against the compute and memory
bounds (ncoretools.bounds). Usage: scripts/bounds.py RUN_DIR [RUN_DIR...]"""
import sys

from ncoretools import bounds, cli

sys.exit(cli.entry("bounds.py", bounds.main))
