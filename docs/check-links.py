#!/usr/bin/env python3
"""check-links.py: every relative link in the documentation resolves.

usage: python3 docs/check-links.py [FILE.md ...]   (default: README.md, BENCHMARKS.md,
                                                    bench/README.md, docs/*.md)

A link [text](target) or ![alt](target) whose target is not a URL must name a file or folder
that exists, relative to the Markdown file; a "#anchor" (alone or after a .md file) must match
a heading of that file, spelled as GitHub spells anchors (lower case, punctuation dropped,
spaces to dashes). Links inside code blocks and code spans are not links. Exit 1, one line per
broken link, when any is broken. Python standard library only.
"""
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def prose(path):
    """(line number, text) of each line outside fenced code blocks, code spans removed."""
    fenced = False
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            yield number, re.sub(r"`[^`]*`", "", line)


def anchor(heading):
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)  # GitHub keeps letters, digits, '_', '-' and spaces
    return text.replace(" ", "-")


def anchors(path):
    found, seen = set(), {}
    for _, line in prose(path):
        m = re.match(r"#{1,6}\s+(.*)", line)
        if not m:
            continue
        a = anchor(m.group(1).replace("`", ""))
        n = seen.get(a, 0)
        seen[a] = n + 1
        found.add(a if n == 0 else f"{a}-{n}")
    return found


def headings_raw(path):
    """Anchors computed from the headings with their code spans kept (prose() drops them)."""
    found, fenced = set(), False
    for line in open(path, encoding="utf-8"):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        m = None if fenced else re.match(r"#{1,6}\s+(.*)", line)
        if m:
            found.add(anchor(m.group(1).replace("`", "")))
    return found


def check(path):
    broken = []
    for number, line in prose(path):
        for target in LINK.findall(line):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            file_part, _, frag = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
            where = f"{os.path.relpath(path, ROOT)}:{number}: {target}"
            if not os.path.exists(dest):
                broken.append(f"{where}: no such file")
            elif frag and dest.endswith(".md") and frag not in anchors(dest) | headings_raw(dest):
                broken.append(f"{where}: no heading #{frag} in {os.path.relpath(dest, ROOT)}")
    return broken


def main():
    files = sys.argv[1:] or ([os.path.join(ROOT, f) for f in ("README.md", "BENCHMARKS.md", "bench/README.md")]
                             + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))))
    broken = [b for f in files for b in check(os.path.abspath(f))]
    for b in broken:
        print(b)
    print(f"{len(files)} files, {len(broken)} broken links")
    sys.exit(1 if broken else 0)


if __name__ == "__main__":
    main()
