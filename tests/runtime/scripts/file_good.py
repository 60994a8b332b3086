"""The same read done by asyncio.to_thread: nothing to report."""
import asyncio
import os
import tempfile

PATH = os.path.join(tempfile.mkdtemp(), "data.txt")
with open(PATH, "w") as f:
    f.write("x" * 100000)


def read_file(path):
    with open(path) as f:
        return f.read()


async def main():
    await asyncio.sleep(0)
    data = await asyncio.to_thread(read_file, PATH)
    await asyncio.sleep(0)
    assert len(data) == 100000
    await asyncio.to_thread(os.stat, PATH)
    await asyncio.sleep(0)


asyncio.run(main())
os.unlink(PATH)
