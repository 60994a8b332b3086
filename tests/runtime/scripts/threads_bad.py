"""Four event loops in four threads at once, competing for the GIL, while another thread keeps
asking for every thread's frames: each loop's blocking sleep and stall are found at their lines,
nothing deadlocks, and no loop's events are attributed to another."""
import asyncio
import sys
import threading
import time


async def worker():
    for _ in range(3):
        await asyncio.sleep(0.001)
        time.sleep(0.005)  # expect: LOOP101
    await asyncio.sleep(0)
    end = time.monotonic() + 0.4
    while time.monotonic() < end: pass  # expect: LOOP106
    await asyncio.sleep(0)


def inspector(stop):
    while not stop.is_set():
        sys._current_frames()
        time.sleep(0.001)


stop = threading.Event()
spy = threading.Thread(target=inspector, args=(stop,))
spy.start()
threads = [threading.Thread(target=asyncio.run, args=(worker(),)) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
stop.set()
spy.join()
