#!/usr/bin/env python3
"""The layers of src/ include only downwards (docs/architecture.md): a folder's files may
include headers of their own folder and of folders ranked below it, never above. A new
folder must be given a rank here, so the layering is decided, not drifted into.
Usage: test_layers.py [LOOPLINT]   (the binary argument is ignored)"""
import os
import re
import sys

RANK = {
    "util": 0,       # containers, strings, files
    "diag": 1,       # positions, findings, fixes as data, the code registry
    "front": 2,      # reading sources, tree-sitter fields, identifier scans
    "grammar": 2,    # the wrapped Python grammar
    "report": 2,     # output formats (only findings)
    "knowledge": 3,  # the rules data (rules/*.json)
    "config": 4,     # [tool.looplint], selections
    "model": 5,      # scopes, bindings, names, types, the project index
    "rules": 6,      # the walk and the rules on top of the model
    "gen": 6,        # generators (typeshed); not used by the product's layers
    "driver": 7,     # scheduling, parse on demand, partial parsing, cache, noqa
    "fix": 8,        # applying fixes (re-lints through the rules)
    "runtime": 8,    # libloopwatch and `looplint watch`
    "native": 8,     # the libclang front end
    "server": 9,     # the language server
    "cli": 10,       # the command line (starts the server)
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main() -> int:
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    src = os.path.join(top, "src")
    bad = []
    for layer in sorted(os.listdir(src)):
        if not os.path.isdir(os.path.join(src, layer)):
            continue
        if layer not in RANK:
            bad.append(f"src/{layer}/ has no rank in tests/cli/test_layers.py")
            continue
        for base, _, files in os.walk(os.path.join(src, layer)):
            for name in files:
                if not name.endswith((".c", ".h")):
                    continue
                path = os.path.join(base, name)
                for inc in INCLUDE.findall(open(path, encoding="utf-8").read()):
                    target = os.path.normpath(os.path.join(base, inc))
                    rel = os.path.relpath(target, src)
                    if rel.startswith("..") or os.sep not in rel:
                        continue  # third-party or generated headers
                    other = rel.split(os.sep)[0]
                    if other not in RANK:
                        continue
                    if RANK[other] > RANK[layer] or (RANK[other] == RANK[layer] and other != layer):
                        bad.append(f"{os.path.relpath(path, top)} includes {inc}: {layer} "
                                   f"(rank {RANK[layer]}) may not include {other} (rank {RANK[other]})")
    for b in bad:
        print(b)
    print(f"layers: {len(bad)} violation(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
