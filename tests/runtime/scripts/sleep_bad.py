"""time.sleep in a coroutine stops the whole loop: LOOP101 on the marked line."""
import asyncio
import time


async def main():
    await asyncio.sleep(0)
    time.sleep(0.05)  # expect: LOOP101
    await asyncio.sleep(0)


asyncio.run(main())
