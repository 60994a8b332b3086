"""Signals while the library works: a 1 ms interval timer with a Python handler interrupts
the loop thread all the time, and loop.add_signal_handler makes CPython's C handler write to
asyncio's wakeup socket. The program must finish normally (no deadlock, no crash) and only
the marked blocking call is reported."""
import asyncio
import os
import signal
import time

ticks = 0


def on_alarm(signum, frame):
    global ticks
    ticks += 1


async def main():
    loop = asyncio.get_running_loop()
    got = asyncio.Event()
    loop.add_signal_handler(signal.SIGUSR1, got.set)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
    for _ in range(50):
        await asyncio.sleep(0.001)
    time.sleep(0.05)  # expect: LOOP101
    os.kill(os.getpid(), signal.SIGUSR1)
    await asyncio.wait_for(got.wait(), 5)
    signal.setitimer(signal.ITIMER_REAL, 0, 0)
    assert ticks > 10, ticks


asyncio.run(main())
