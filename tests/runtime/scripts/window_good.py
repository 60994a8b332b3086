"""Blocking calls before the loop's first wait and after loop.close() are start-up and
shutdown, not events; neither are the calls of worker and executor threads while it runs."""
import asyncio
import os
import threading
import time

time.sleep(0.01)
open(__file__).read()
os.stat(__file__)


def worker(stop):
    while not stop.is_set():
        open(__file__).read()
        time.sleep(0.001)


async def main():
    stop = threading.Event()
    t = threading.Thread(target=worker, args=(stop,))
    t.start()
    loop = asyncio.get_running_loop()
    for _ in range(20):
        await loop.run_in_executor(None, time.sleep, 0.001)
        await loop.run_in_executor(None, os.listdir, ".")
        await asyncio.sleep(0.001)
    stop.set()
    await asyncio.to_thread(t.join)


asyncio.run(main())
time.sleep(0.01)
open(__file__).read()
