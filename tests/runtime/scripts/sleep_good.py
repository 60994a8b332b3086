"""The same sleep moved to a worker thread: the loop keeps running, nothing to report."""
import asyncio
import time


async def main():
    await asyncio.sleep(0)
    await asyncio.to_thread(time.sleep, 0.05)
    await asyncio.sleep(0)


asyncio.run(main())
