#!/usr/bin/python3
"""Draws a `ncoresim serve` folder (latency CDFs) or a serve sweep (throughput against load, P99
TTFT and TPOT against throughput, latency CDFs at one load) as DIR/serve.png and prints its
Markdown table (ncoretools.plot_serve).
Usage: scripts/plot_serve.py DIR [-o OUT.png] [--rate R] [--table-only]"""
import sys

from ncoretools import cli, plot_serve

sys.exit(cli.entry("plot_serve.py", plot_serve.main))
