"""asyncio.create_subprocess_exec: asyncio forks on the loop thread by design and waits for
the child elsewhere; nothing to report."""
import asyncio


async def main():
    await asyncio.sleep(0)
    proc = await asyncio.create_subprocess_exec("true")
    assert await proc.wait() == 0
    await asyncio.sleep(0)


asyncio.run(main())
