"""subprocess.run in a coroutine waits for the child on the loop thread: LOOP103."""
import asyncio
import subprocess


async def main():
    await asyncio.sleep(0)
    subprocess.run(["true"], check=True)  # expect: LOOP103
    await asyncio.sleep(0)


asyncio.run(main())
