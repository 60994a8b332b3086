"""Reading a file with open().read() in a coroutine: LOOP104."""
import asyncio
import os
import tempfile

PATH = os.path.join(tempfile.mkdtemp(), "data.txt")
with open(PATH, "w") as f:  # before the loop starts: not an event
    f.write("x" * 100000)


async def main():
    await asyncio.sleep(0)
    data = open(PATH).read()  # expect: LOOP104
    await asyncio.sleep(0)
    assert len(data) == 100000
    os.stat(PATH)  # expect: LOOP104
    await asyncio.sleep(0)


asyncio.run(main())
os.unlink(PATH)
