"""loop.getaddrinfo resolves in the default executor: nothing to report."""
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    await asyncio.sleep(0)
    infos = await loop.getaddrinfo("localhost", 80)
    await asyncio.sleep(0)
    assert infos


asyncio.run(main())
