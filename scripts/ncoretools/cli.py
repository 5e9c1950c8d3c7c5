"""What the command-line entry points share: run a main(argv), turning an unusable input (a
missing or malformed output file, a bad input table, a failing ncoresim, no binary) into one
error line and exit code 2 as ncoresim itself does; the plots' `PATH [-o OUT.png]` arguments.
"""

import argparse
import sys

from .outputs import OutputError
from .runner import NcoresimError


class InputError(ValueError):
    """A bad input file of a script (the message names its file, line and column)."""


def plot_args(argv, prog, description, name, help, default_out):
    """(input path, output PNG or None) of a plotting entry point: `PROG NAME [-o OUT.png]`."""
    ap = argparse.ArgumentParser(prog=prog, description=description)
    ap.add_argument("path", metavar=name, help=help)
    ap.add_argument("-o", "--out", help=f"output PNG (default: {default_out})")
    args = ap.parse_args(argv)
    return args.path, args.out


def entry(prog, main, argv=None):
    """main(argv)'s exit code, or 2 after printing `PROG: error: MESSAGE` to stderr."""
    try:
        return main(argv) or 0
    except (InputError, OutputError, NcoresimError, FileNotFoundError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
