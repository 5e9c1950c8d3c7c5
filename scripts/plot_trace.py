#!/usr/bin/python3
"""Draws a run's RUN_DIR/trace.json as RUN_DIR/trace.png (ncoretools.plot_trace).
Usage: scripts/plot_trace.py RUN_DIR_or_trace.json [-o OUT.png]"""
import sys

from ncoretools import cli, plot_trace

sys.exit(cli.entry("plot_trace.py", plot_trace.main))
