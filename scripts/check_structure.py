#!/usr/bin/python3
"""Structure rules of src/, run by CTest (tests `structure_sizes` and `structure_includes`).

--sizes: every file under src/ has at most 600 lines and every function body at most 80, counted
from the first line of its signature to its closing brace (a brace matcher over the code with
comments and literals blanked: a `{` at namespace or class level whose header ends in `)` and
qualifiers opens a function; lambdas and blocks inside count toward their function).
--includes: a file under src/FOLDER includes project headers only from FOLDER and the folders
before it in the layering base < workload < config < isa < planner < hw < report < sim < serve
< cli.
Prints one line per violation (file:line: what) and exits 1 when there is any.
"""
import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
LAYERS = ["base", "workload", "config", "isa", "planner", "hw", "report", "sim", "serve", "cli"]
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80
GENERATED = {"ncore_version.h"}  # written by cmake/version.cmake into the build tree

FUNCTION_HEADER = re.compile(
    r"\)\s*(?:const|noexcept|override|final|mutable|&|\s|->\s*[\w:<>,*&\s]+)*$")
NOT_FUNCTION = re.compile(r"^\s*(?:if|for|while|switch|catch|return)\b|=\s*\[|\]\s*\(")


def sources():
    return sorted(p for p in (ROOT / "src").rglob("*") if p.suffix in (".h", ".cpp"))


def blank_comments_and_literals(text):
    """The text with comments, string and char literals replaced by spaces (newlines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
        elif text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            delim = text[i + 2:text.find("(", i)]
            j = text.find(")" + delim + '"', i) + len(delim) + 2
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            j += 1
        else:
            out.append(c)
            i += 1
            continue
        out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
        i = j
    return "".join(out)


def function_lengths(text):
    """(first line, length in lines) of each function body defined at namespace or class level."""
    code = blank_comments_and_literals(text)
    code = re.sub(r"^\s*#.*$", lambda m: " " * len(m.group(0)), code, flags=re.M)
    stack, found = [], []  # stack entries: (kind, start line)
    header_start = 0
    for i, c in enumerate(code):
        if c == "{":
            header = code[header_start:i]
            in_function = any(kind == "function" for kind, _ in stack)
            if (not in_function and FUNCTION_HEADER.search(header) and not NOT_FUNCTION.search(header)
                    and "(" in header):
                first = header_start + (len(header) - len(header.lstrip()))
                stack.append(("function", code.count("\n", 0, first) + 1))
            else:
                stack.append(("block", 0))
            header_start = i + 1
        elif c == "}":
            if stack:
                kind, start = stack.pop()
                if kind == "function":
                    end = code.count("\n", 0, i) + 1
                    found.append((start, end - start + 1))
            header_start = i + 1
        elif c == ";":
            header_start = i + 1
    return found


def check_sizes():
    problems = []
    for path in sources():
        rel = path.relative_to(ROOT)
        text = path.read_text()
        lines = text.count("\n")
        if lines > MAX_FILE_LINES:
            problems.append(f"{rel}: {lines} lines (at most {MAX_FILE_LINES})")
        for start, length in function_lengths(text):
            if length > MAX_FUNCTION_LINES:
                problems.append(f"{rel}:{start}: a function of {length} lines "
                                f"(at most {MAX_FUNCTION_LINES})")
    return problems


def check_includes():
    problems = []
    include = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
    for path in sources():
        rel = path.relative_to(ROOT)
        folder = rel.parts[1]
        if folder not in LAYERS:
            problems.append(f"{rel}: folder '{folder}' is not in the layering {LAYERS}")
            continue
        for m in include.finditer(path.read_text()):
            target = m.group(1)
            if target in GENERATED:
                continue
            dep = target.split("/")[0]
            line = path.read_text().count("\n", 0, m.start()) + 1
            if dep not in LAYERS:
                problems.append(f"{rel}:{line}: includes \"{target}\" from no known folder")
            elif LAYERS.index(dep) > LAYERS.index(folder):
                problems.append(f"{rel}:{line}: {folder} includes \"{target}\": {dep} comes "
                                f"after {folder} in {' < '.join(LAYERS)}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", action="store_true", help="file and function sizes")
    parser.add_argument("--includes", action="store_true", help="the include layering")
    args = parser.parse_args()
    problems = (check_sizes() if args.sizes else []) + (check_includes() if args.includes else [])
    for p in problems:
        print(p)
    checked = len(sources())
    print(f"{checked} files checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
