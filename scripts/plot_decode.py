#!/usr/bin/python3
"""Draws a batch x context sweep of decode steps (DIR/sweep.csv) as DIR/decode.png and prints its
Markdown table (ncoretools.plot_decode).
Usage: scripts/plot_decode.py DIR [-o OUT.png] [--table-only]"""
import sys

from ncoretools import cli, plot_decode

sys.exit(cli.entry("plot_decode.py", plot_decode.main))
