#!/usr/bin/env python3
"""A/B throughput of `busmap check`: two binaries, alternated, in one run.

    scripts/check_ab.py OLD_BUSMAP NEW_BUSMAP [--rounds N] [--new-args "..."]
                        [-- CHECK ARGS...]

Runs `busmap check` (default: --impl radix --traces 200 -q) with each
binary in turn, N rounds (default 5), and reports for each the steps per
second of every round (steps from check's summary line, wall time measured
here), the best and the median, and the ratio of the bests and of the
medians.  Alternating within one run is what makes the ratio mean something
on a shared machine: a load that comes and goes hits both binaries alike.
The load average at the start and the end is printed with the figures.
--new-args adds arguments for the new binary alone (an option the old one
does not have, such as --jobs 1 against a binary from before --jobs).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

STEPS = re.compile(r"(\d+) traces, (\d+) steps")


def one_run(binary, args):
    start = time.monotonic()
    out = subprocess.run([binary, "check", *args], capture_output=True, text=True)
    wall = time.monotonic() - start
    m = STEPS.search(out.stdout + out.stderr)
    if out.returncode != 0 or not m:
        sys.exit(f"check_ab: {binary} check {' '.join(args)} exited {out.returncode}:\n"
                 f"{out.stdout}{out.stderr}")
    return int(m.group(2)), wall


def main():
    argv = sys.argv[1:]
    check_args = ["--impl", "radix", "--traces", "200", "-q"]
    if "--" in argv:
        i = argv.index("--")
        argv, check_args = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--new-args", default="")
    a = ap.parse_args(argv)
    rates = {a.old: [], a.new: []}
    steps = {}
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    for _ in range(a.rounds):
        for b in (a.old, a.new):
            extra = a.new_args.split() if b == a.new else []
            s, wall = one_run(b, check_args + extra)
            steps[b] = s
            rates[b].append(s / wall)
    print(f"load average at end:   {os.getloadavg()[0]:.2f}")
    print(f"check {' '.join(check_args)}, {a.rounds} rounds alternated"
          + (f"; new with {a.new_args}" if a.new_args else ""))
    for name, b in (("old", a.old), ("new", a.new)):
        r = rates[b]
        print(f"{name}: {b}: {steps[b]} steps; steps/s " + ", ".join(f"{x:.0f}" for x in r) +
              f"; best {max(r):.0f}, median {statistics.median(r):.0f}")
    best = max(rates[a.new]) / max(rates[a.old])
    med = statistics.median(rates[a.new]) / statistics.median(rates[a.old])
    print(f"new / old steps per second: best {best:.2f}x, median {med:.2f}x")


if __name__ == "__main__":
    main()
