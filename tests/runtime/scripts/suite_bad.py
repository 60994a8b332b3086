"""A miniature test runner, the way pytest and its plugins run tests: one test in the runner's
own process, one in a forked child (pytest-forked), one in a separate interpreter started with
subprocess (pytest-xdist workers). Each test runs its own loop; every process appends to the
one event file named in the inherited environment."""
import asyncio
import os
import subprocess
import sys
import time


async def test_in_process():
    await asyncio.sleep(0)
    time.sleep(0.01)  # expect: LOOP101
    await asyncio.sleep(0)


async def test_forked():
    await asyncio.sleep(0)
    open(__file__).read()  # expect: LOOP104
    await asyncio.sleep(0)


async def test_worker():
    await asyncio.sleep(0)
    os.stat(__file__)  # expect: LOOP104
    await asyncio.sleep(0)


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        asyncio.run(test_worker())
        sys.exit(0)
    asyncio.run(test_in_process())
    pid = os.fork()
    if pid == 0:
        asyncio.run(test_forked())
        os._exit(0)
    assert os.waitpid(pid, 0)[1] == 0
    subprocess.run([sys.executable, __file__, "--worker"], check=True)
