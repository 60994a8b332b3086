#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora (tests/fuzz/corpus/NAME/) from the project's own files:
fixtures/, docs/configuration.md's TOML examples, rules/*.json. Run from the source tree after
fixtures or rules change; the seeds are committed. With a fuzz build (BUILD, default
build-fuzz), the cache seeds also get real encoded result blobs made by fuzz_cache."""
import glob, hashlib, json, os, re, shutil, subprocess, sys, tempfile

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.chdir(top)
build = sys.argv[1] if len(sys.argv) > 1 else "build-fuzz"
out = "tests/fuzz/corpus"
SEP = b"\n#---\n"
LIMIT = 12 * 1024  # bytes per seed: small seeds mutate faster


def put(name, data):
    if len(data) > LIMIT:
        return
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def read(p):
    with open(p, "rb") as f:
        return f.read()


for name in ("file", "project", "config", "noqa", "ruledb", "fix", "cache"):
    shutil.rmtree(os.path.join(out, name), ignore_errors=True)

pys = sorted(glob.glob("fixtures/**/*.py", recursive=True))
for i, p in enumerate(pys):
    src = read(p)
    sel = i % 12  # path and Home Assistant mode (fuzz_file.c)
    if "homeassistant" in p or "LOOP5" in p:
        sel = 1 | 8
    put("file", bytes([sel]) + src)
    if os.path.basename(p).startswith("bad_"):
        put("fix", bytes([1]) + src)

# projects: each fixture package as one input, and each bad/fixed pair as a package
for pkg in sorted(set(os.path.dirname(p) for p in pys if os.path.basename(os.path.dirname(p)).endswith("_pkg"))):
    mods = sorted(glob.glob(os.path.join(pkg, "*.py")))
    mods.sort(key=lambda m: os.path.basename(m) != "__init__.py")
    put("project", bytes([0]) + SEP.join(read(m) for m in mods[:3]))
for d in sorted(glob.glob("fixtures/LOOP*")):
    bad = sorted(glob.glob(d + "/bad_*.py"))
    if len(bad) >= 2:
        put("project", bytes([1]) + b"" + SEP + read(bad[0]) + SEP + read(bad[1]))

# noqa: the comments the fixtures and the docs write, a few per input
comments = []
for p in pys + sorted(glob.glob("docs/*.md")):
    for line in read(p).splitlines():
        m = re.search(rb"#\s*(noqa|looplint:|type:\s*ignore).*", line, re.I)
        if m:
            comments.append(m.group(0))
comments = sorted(set(comments))
for i in range(0, len(comments), 4):
    put("noqa", b"\n".join(comments[i:i + 4]))

# config: the TOML examples of the docs, as pyproject.toml (0) and looplint.toml (1)
for p in sorted(glob.glob("docs/*.md")):
    for block in re.findall(rb"```toml\n(.*?)```", read(p), re.S):
        put("config", bytes([1 if b"looplint.toml" in block else 0]) + block)

# ruledb: each small rules file whole, and slices of the big ones (each section apart)
for p in sorted(glob.glob("rules/*.json")):
    data = read(p)
    if len(data) <= LIMIT:
        put("ruledb", data)
        continue
    doc = json.loads(data)
    for key, value in doc.items():
        if isinstance(value, list):
            chunk = value[:12]
        elif isinstance(value, dict):
            chunk = dict(list(value.items())[:12])
        else:
            chunk = value
        put("ruledb", json.dumps({key: chunk}, indent=1).encode())

# cache: mode 1 (a real blob, no patch) over some fixtures; mode 2 (packs) with each way
for p in pys[::6]:
    put("cache", bytes([1, 0, 0, 0]) + read(p))
# the pack's magic as cache.c has it, so a header seed follows a format change
magic = re.search(rb'#define MAGIC "(\w{8})"', read("src/driver/cache.c")).group(1)
for how, rest in ((0, magic + b"\x01\x00\x00\x00"), (1, b"\x40\x02\x00\x00"), (1, b"\x10\x00\x00\x00"),
                  (2, b"\x08\x00\xff\xff\xff\x7f"), (2, b"\x30\x00\x00\x00\x00\x00")):
    put("cache", bytes([2, how]) + rest)
exe = os.path.join(build, "fuzz_cache")
if os.path.exists(exe):
    with tempfile.TemporaryDirectory() as tmp:
        for p in pys[::4]:
            seed = os.path.join(tmp, "in")
            with open(seed, "wb") as f:
                f.write(bytes([1, 0, 0, 0]) + read(p))
            dump = os.path.join(tmp, "blob")
            subprocess.run([exe, seed], env=dict(os.environ, LOOPLINT_FUZZ_DUMP=dump),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            put("cache", read(dump))
for name in sorted(os.listdir(out)):
    files = os.listdir(os.path.join(out, name))
    print(f"{name}: {len(files)} seeds, {sum(os.path.getsize(os.path.join(out, name, f)) for f in files)} bytes")
