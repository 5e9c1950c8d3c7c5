#!/usr/bin/python3
"""Regenerates the README's config-reference tables from the key tables (`ncoresim keys`).

Each table sits between `<!-- keys:WHICH ... -->` and `<!-- /keys:WHICH -->`; a C++ test fails
when the README's copy differs from what the binary prints. Usage: scripts/gen_readme_keys.py
[NCORESIM_BINARY] (default build/ncoresim).
"""
import pathlib
import re
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parent.parent
binary = sys.argv[1] if len(sys.argv) > 1 else str(root / "build" / "ncoresim")
readme = root / "README.md"
text = readme.read_text()
for which in ("hw", "options", "kinds"):
    table = subprocess.run([binary, "keys", which], check=True, capture_output=True,
                           text=True).stdout
    pattern = re.compile(r"(<!-- keys:%s [^\n]*-->\n).*?(<!-- /keys:%s -->)" % (which, which),
                         re.S)
    text, n = pattern.subn(lambda m: m.group(1) + table + m.group(2), text)
    if n != 1:
        sys.exit(f"README.md: expected one keys:{which} block, found {n}")
readme.write_text(text)
