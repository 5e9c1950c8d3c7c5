#!/usr/bin/python3
"""Fits the unpublished NeuronCore-v1 parameters of configs/hw/inf1.yaml to the published Inf1
rows (ncoretools.fit_nc_v1). Usage: scripts/fit_nc_v1.py [--table FILE] [-o DIR] [--jobs N]"""
import sys

from ncoretools import cli, fit_nc_v1

sys.exit(cli.entry("fit_nc_v1.py", fit_nc_v1.main))
