"""Forked processes (multiprocessing's fork start method, os.fork) running their own loops
append to the same event file: LOOP101 from the children. The parent forks outside any loop,
then once inside one (os.fork and the wait for the child are LOOP103 there)."""
import asyncio
import multiprocessing
import os
import time


async def child_main():
    await asyncio.sleep(0)
    time.sleep(0.02)  # expect: LOOP101
    await asyncio.sleep(0)


def child():
    asyncio.run(child_main())


async def parent_main():
    await asyncio.sleep(0)
    pid = os.fork()  # expect: LOOP103
    if pid == 0:
        os._exit(0)
    await asyncio.sleep(0)
    os.waitpid(pid, 0)  # expect: LOOP103
    await asyncio.sleep(0)


if __name__ == "__main__":
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=child) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        assert p.exitcode == 0, p.exitcode
    pid = os.fork()
    if pid == 0:
        child()
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert status == 0, status
    asyncio.run(parent_main())
