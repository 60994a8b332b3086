"""Blocking socket calls in a coroutine against a local server: LOOP105.

The server runs in a plain thread (its blocking calls are not on the loop thread)."""
import asyncio
import encodings.idna  # noqa: F401  hostnames are encoded with it: import it before the loop
import socket
import threading
import time

server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen()
PORT = server.getsockname()[1]


def serve():
    for _ in range(2):
        conn, _ = server.accept()
        time.sleep(0.03)  # make the client's recv wait
        conn.sendall(b"pong")
        conn.close()


threading.Thread(target=serve, daemon=True).start()


async def main():
    await asyncio.sleep(0)
    sock = socket.create_connection(("127.0.0.1", PORT))  # expect: LOOP105
    data = sock.recv(4)  # expect: LOOP105
    sock.close()
    await asyncio.sleep(0)
    timed = socket.create_connection(("127.0.0.1", PORT), timeout=5)  # expect: LOOP105
    data += timed.recv(4)  # expect: LOOP105
    timed.close()
    await asyncio.sleep(0)
    assert data == b"pongpong", data


asyncio.run(main())
