#!/usr/bin/env python3
"""Overhead of libloopwatch.so on an asyncio workload (not a test: numbers for docs/runtime.md).

    python3 tests/runtime/bench_overhead.py BUILD/libloopwatch.so [RUNS] [PYTHON]

The workload, run in a child interpreter, times itself (start-up excluded):
  - 100,000 `await asyncio.sleep(0)` (one selector wait each: the hook's hot path);
  - 5,000 request/response round trips over a loopback TCP connection with asyncio streams
    (non-blocking socket calls on the loop thread: the descriptor checks' path);
  - 200 asyncio.to_thread calls doing file I/O in the executor (other threads' path).
Each configuration runs RUNS times (default 9), interleaved in random order. Each part is
timed in CPU time (time.process_time: less sensitive than wall time to other load on the
machine) and wall time; the minimum over the runs is printed, the usual estimator of a cost
under noise."""
import os
import random
import subprocess
import sys
import tempfile

WORKLOAD = r'''
import asyncio, os, sys, time

async def echo(reader, writer):
    while data := await reader.read(64):
        writer.write(data)
        await writer.drain()
    writer.close()

def file_io(path):
    with open(path, "rb") as f:
        return len(f.read())

async def main():
    marks = [(time.process_time(), time.perf_counter())]
    for _ in range(100_000):
        await asyncio.sleep(0)
    marks.append((time.process_time(), time.perf_counter()))
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for _ in range(5_000):
        writer.write(b"x" * 32)
        await writer.drain()
        await reader.readexactly(32)
    writer.close()
    await writer.wait_closed()
    server.close()
    await server.wait_closed()
    marks.append((time.process_time(), time.perf_counter()))
    for _ in range(200):
        await asyncio.to_thread(file_io, sys.executable)
    marks.append((time.process_time(), time.perf_counter()))
    parts = [(b[0] - a[0], b[1] - a[1]) for a, b in zip(marks, marks[1:])]
    parts.append((marks[-1][0] - marks[0][0], marks[-1][1] - marks[0][1]))
    print(" ".join(f"{cpu:.6f} {wall:.6f}" for cpu, wall in parts))

asyncio.run(main())
'''


def run(python, env):
    out = subprocess.run([python, "-c", WORKLOAD], env=env, capture_output=True, text=True, check=True)
    return [float(x) for x in out.stdout.split()]


def main():
    lib = os.path.realpath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 9
    python = sys.argv[3] if len(sys.argv) > 3 else "python3"
    base_env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "LOOPWATCH_OUT")}
    with tempfile.TemporaryDirectory() as d:
        events = os.path.join(d, "events")
        configs = {
            "plain": base_env,
            "preloaded": dict(base_env, LD_PRELOAD=lib, LOOPWATCH_OUT=events),
        }
        results = {name: [] for name in configs}
        for _ in range(runs):
            for name in random.sample(list(configs), len(configs)):
                results[name].append(run(python, configs[name]))
        assert not os.path.exists(events) or os.path.getsize(events) == 0, "the workload made events"
    labels = ["100k sleep(0)", "5k loopback round trips", "200 to_thread file reads", "total"]
    best = {name: [min(r[i] for r in rows) for i in range(8)] for name, rows in results.items()}
    print(f"{'part':26} {'cpu plain':>10} {'cpu preload':>12} {'cpu +%':>7}"
          f" {'wall plain':>11} {'wall preload':>13} {'wall +%':>8}")
    for i, label in enumerate(labels):
        cp, wp = best["plain"][2 * i], best["plain"][2 * i + 1]
        cl, wl = best["preloaded"][2 * i], best["preloaded"][2 * i + 1]
        print(f"{label:26} {cp:10.4f} {cl:12.4f} {100 * (cl - cp) / cp:6.1f}%"
              f" {wp:11.4f} {wl:13.4f} {100 * (wl - wp) / wp:7.1f}%")
    print(f"({runs} runs each, {python}, minimum per part, seconds)")


if __name__ == "__main__":
    main()
