"""socket.getaddrinfo in a coroutine (resolved from /etc/hosts, no network): LOOP105."""
import asyncio
import encodings.idna  # noqa: F401  hostnames are encoded with it: import it before the loop
import socket


async def main():
    await asyncio.sleep(0)
    infos = socket.getaddrinfo("localhost", 80)  # expect: LOOP105
    await asyncio.sleep(0)
    assert infos


asyncio.run(main())
