#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""An asyncio loop (the default on Linux: epoll) whose coroutine calls
subprocess.run(['sleep', S], capture_output=True) --count times, one every
--every-ms: each blocks the loop for about S s while subprocess waits for
the child's pipes in poll, a private loop nested in the busy window.
Prints faultlab's JSON lines: ready (pid, loop_tid), one inject per call
with the length of the loop's busy window around it (ms), done."""

import asyncio
import os
import subprocess
import time

import rt_common as rt


async def main(args):
    counts = {"ticks": 0}
    tick = asyncio.ensure_future(rt.ticker(0.005, counts))
    rt.ready("py-subprocess", "epoll", count=args.count, every_ms=args.every_ms,
             sleep_s=args.sleep_s)
    total = 0.0
    for seq in range(1, args.count + 1):
        await asyncio.sleep(args.every_ms / 1000)
        t0 = time.monotonic()
        subprocess.run(["sleep", str(args.sleep_s)], capture_output=True, check=True)
        ms = rt.ms_since(t0)
        total += ms
        rt.emit("inject", cause="subprocess.run", ms=ms, tid=args.pid, seq=seq)
    await asyncio.sleep(args.every_ms / 1000)
    tick.cancel()
    rt.emit("done", scenario="py-subprocess", pid=args.pid, ok=True,
            injections=args.count, inject_ms_total=round(total, 3), ticks=counts["ticks"])


if __name__ == "__main__":
    p = rt.Parser(prog="py_subprocess.py", description=__doc__)
    p.add_argument("--count", type=rt.positive(int), default=3)
    p.add_argument("--every-ms", type=rt.positive(float), default=500)
    p.add_argument("--sleep-s", type=rt.positive(float), default=0.15)
    a = p.parse_args()
    a.pid = os.getpid()
    asyncio.run(main(a))
