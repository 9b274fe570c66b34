# SPDX-License-Identifier: GPL-2.0
"""Shared by the Python runtime workloads: faultlab's JSON lines (ready,
inject, done on stdout, one object per line, flushed per line), its
one-line usage errors (exit 2), and the steady tick that keeps a loop
iterating between faults, so that its only long iterations are the
injected ones."""

import argparse
import asyncio
import json
import os
import sys
import time


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line on stderr and exit 2."""

    def error(self, message):
        sys.stderr.write(f"{self.prog}: {message}; try '{self.prog} --help'\n")
        sys.exit(2)


def positive(kind):
    def conv(text):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
        if v <= 0:
            raise argparse.ArgumentTypeError(f"{text} is not above 0")
        return v
    return conv


def emit(event, **fields):
    sys.stdout.write(json.dumps({"event": event, **fields}, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def ms_since(t0):
    return round((time.monotonic() - t0) * 1000, 3)


def ready(scenario, wait, **fields):
    pid = os.getpid()
    # The asyncio loop runs on the main thread: its tid is the pid.
    emit("ready", scenario=scenario, pid=pid, tid=pid, loop_tid=pid, tids=[pid],
         runtime="python", version=sys.version.split()[0], wait=wait, **fields)


async def ticker(period_s, counts):
    """A timer every period_s: the loop's clean iterations."""
    while True:
        await asyncio.sleep(period_s)
        counts["ticks"] += 1
