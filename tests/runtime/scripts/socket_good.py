"""The same exchange with asyncio streams: nothing to report."""
import asyncio
import socket
import threading
import time

server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen()
PORT = server.getsockname()[1]


def serve():
    conn, _ = server.accept()
    time.sleep(0.03)
    conn.sendall(b"pong")
    conn.close()


threading.Thread(target=serve, daemon=True).start()


async def main():
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    data = await reader.read(4)
    writer.close()
    await writer.wait_closed()
    assert data == b"pong", data


asyncio.run(main())
