#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""An asyncio server loop on selectors.PollSelector (it waits in poll, not
epoll) with --count stalls of time.sleep(--ms) and --cpu stalls that spin on the
CPU for --ms, one every --every-ms, from a timer callback. Prints
faultlab's JSON lines: ready (pid, loop_tid, "wait":"poll"), one inject
per stall (cause sleep or cpu, measured ms), done."""

import asyncio
import os
import selectors
import time

import rt_common as rt


def spin(seconds):
    # time.monotonic is the vDSO clock: no system call while it spins.
    end = time.monotonic() + seconds
    x = 0
    while time.monotonic() < end:
        x += 1
    return x


async def main(args):
    # a server: the poll set holds its listener beside the loop's self-pipe
    # (loopwatch takes a poll of one fd for a blocking call, not a loop)
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    counts = {"ticks": 0}
    tick = asyncio.ensure_future(rt.ticker(0.005, counts))
    causes = ["sleep"] * args.count + ["cpu"] * args.cpu
    rt.ready("py-pollselector", "poll", count=len(causes), ms=args.ms,
             every_ms=args.every_ms)
    total = 0.0
    for seq, cause in enumerate(causes, 1):
        await asyncio.sleep(args.every_ms / 1000)
        t0 = time.monotonic()
        if cause == "sleep":
            time.sleep(args.ms / 1000)
        else:
            spin(args.ms / 1000)
        ms = rt.ms_since(t0)
        total += ms
        rt.emit("inject", cause=cause, ms=ms, tid=os.getpid(), seq=seq)
    await asyncio.sleep(args.every_ms / 1000)
    tick.cancel()
    server.close()
    rt.emit("done", scenario="py-pollselector", pid=os.getpid(), ok=True,
            injections=len(causes), inject_ms_total=round(total, 3), ticks=counts["ticks"])


if __name__ == "__main__":
    p = rt.Parser(prog="py_pollselector.py", description=__doc__)
    p.add_argument("--count", type=rt.positive(int), default=3)
    p.add_argument("--cpu", type=int, choices=range(0, 100), default=1, metavar="N")
    p.add_argument("--ms", type=rt.positive(float), default=120)
    p.add_argument("--every-ms", type=rt.positive(float), default=400)
    a = p.parse_args()
    loop = asyncio.SelectorEventLoop(selectors.PollSelector())
    try:
        loop.run_until_complete(main(a))
    finally:
        loop.close()
