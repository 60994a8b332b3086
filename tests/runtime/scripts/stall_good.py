"""The same work, yielding to the loop every few milliseconds: no stall."""
import asyncio
import time


async def main():
    end = time.monotonic() + 0.4
    while time.monotonic() < end:
        step = time.monotonic() + 0.005
        while time.monotonic() < step: pass
        await asyncio.sleep(0)


asyncio.run(main())
