"""An import executed for the first time inside a coroutine reads .py/.pyc files on the loop
thread: LOOP104 at the import, with a message saying so."""
import asyncio


async def main():
    await asyncio.sleep(0)
    import fractions  # expect: LOOP104
    await asyncio.sleep(0)
    assert fractions.Fraction(1, 2) * 2 == 1


asyncio.run(main())
