"""A CPU-bound loop that never awaits stalls the event loop: LOOP106 (a stall) where it spins."""
import asyncio
import time


async def main():
    await asyncio.sleep(0)
    end = time.monotonic() + 0.4
    while time.monotonic() < end: pass  # expect: LOOP106
    await asyncio.sleep(0)


asyncio.run(main())
