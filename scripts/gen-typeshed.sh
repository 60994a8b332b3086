#!/usr/bin/env bash
# Regenerates rules/typeshed.json: library facts (coroutine functions, calls returning
# awaitables, the types calls, properties and attributes produce, the bases of classes) read
# from typeshed's stubs, as shipped in the npm package `pyright` under dist/typeshed-fallback/
# (stdlib plus ~200 libraries). Only types that lead to a blocking call (rules/blocking.json's
# `blocking` and `sync_clients`), a coroutine, an awaitable or a class the rules data names
# (hazards.json) are kept: edit those files, then run this again.
#
# How to regenerate:
#   ./dev build && scripts/gen-typeshed.sh          # LOOPLINT=path/to/looplint to use another build
# To move to a newer typeshed: set PYRIGHT_VERSION to `npm view pyright version`, run once to
# learn the new tarball's checksum (the mismatch message prints it), check it against
# `npm view pyright@VERSION dist.integrity`, pin it below, run again, review the diff.
#
# The package is fetched with `npm pack` into a temporary folder, verified against the pinned
# sha256, unpacked there, read, and removed. Names the hand-written rules files decide
# differently (types.json maps queue.LifoQueue to queue.Queue on purpose) are left out.
set -euo pipefail

PYRIGHT_VERSION=1.1.414
PYRIGHT_SHA256=bf5f473f6167c0d14175492c3263d783b4489a6956e1c06c18e15228e3a3fa42

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
looplint=${LOOPLINT:-build/looplint}
say() { printf 'gen-typeshed: %s\n' "$*" >&2; }

if [ ! -x "$looplint" ]; then
  say "$looplint not found: run ./dev build first (or set LOOPLINT)"
  exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say "fetching pyright@$PYRIGHT_VERSION from the npm registry"
(cd "$tmp" && npm pack --silent "pyright@$PYRIGHT_VERSION" >/dev/null) || { say "npm pack failed"; exit 2; }
tgz=$(ls "$tmp"/*.tgz)
got=$(sha256sum "$tgz" | cut -d' ' -f1)
if [ "$got" != "$PYRIGHT_SHA256" ]; then
  say "checksum mismatch for pyright@$PYRIGHT_VERSION: got $got, want $PYRIGHT_SHA256"
  exit 2
fi
tar xzf "$tgz" -C "$tmp"
stubs="$tmp/package/dist/typeshed-fallback"
[ -d "$stubs/stdlib" ] || { say "no dist/typeshed-fallback/stdlib in the package"; exit 2; }

# logging: rules recognise `logging.Logger.debug(...)` calls by their type
keep=(--keep logging)
for f in blocking.json hazards.json; do
  [ -f "rules/$f" ] && keep+=(--blocking "rules/$f")
done
defer=()
for f in types.json coroutines.json homeassistant.json; do
  [ -f "rules/$f" ] && defer+=(--defer-to "rules/$f")
done

[ -f "$stubs/commit.txt" ] && say "typeshed commit $(cat "$stubs/commit.txt")"
"$looplint" typeshed "$stubs" --out rules/typeshed.json \
  --source "pyright@$PYRIGHT_VERSION typeshed-fallback" "${keep[@]}" "${defer[@]}"
say "wrote rules/typeshed.json ($(wc -c <rules/typeshed.json) bytes)"
