#!/usr/bin/python3
"""Draws DIR/sweep.csv of `ncoresim sweep` as DIR/sweep.png (ncoretools.plot_sweep).
Usage: scripts/plot_sweep.py DIR [-o OUT.png]"""
import sys

from ncoretools import cli, plot_sweep

sys.exit(cli.entry("plot_sweep.py", plot_sweep.main))
