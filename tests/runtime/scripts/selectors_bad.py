"""Loops on PollSelector and SelectSelector are recognized too: LOOP101 in each."""
import asyncio
import selectors
import time


async def work():
    await asyncio.sleep(0)
    time.sleep(0.02)  # expect: LOOP101
    await asyncio.sleep(0)


for selector in (selectors.PollSelector(), selectors.SelectSelector()):
    loop = asyncio.SelectorEventLoop(selector)
    loop.run_until_complete(work())
    loop.close()
