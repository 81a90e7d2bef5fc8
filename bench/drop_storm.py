#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Drop-storm overhead of `netsight drops`: UDP datagrams to a closed port on
loopback (every one dropped, NO_SOCKET) with no tracer, with the in-kernel
summary (--summary) and with the event stream (-o json), alternating in one
run. Reports datagrams per second as a ratio to the baseline, netsight's CPU
time per drop, the BPF run time per drop, and events lost by the stream."""
import argparse
import json
import os
import re
import subprocess
import sys

from bench_lib import (Mode, Namespace, add_binary_args, binaries, compare, netsight_modes,
                       netsight_summary, write_summary)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    add_binary_args(p)
    p.add_argument("--storm", required=True)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", help="also write the summary here")
    args = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("drop_storm: needs root")
    drops = ["drops", "--reason", "NO_SOCKET"]
    bins = binaries(args)
    modes = [Mode("baseline"),
             *netsight_modes(bins, "drops --summary", drops + ["--summary"],
                             prefixes=("owner_", "drop_"), ready="tracing"),
             *netsight_modes(bins, "drops -o json", drops + ["-o", "json"],
                             prefixes=("owner_", "drop_"), ready="tracing"),
             *netsight_modes(bins[:1], "agent", ["agent", "--listen", "127.0.0.1:19464"],
                             events=0, prefixes=("owner_", "drop_"), ready="tracing")]
    ns = Namespace(f"nsbench{os.getpid()}")

    def storm():
        out = subprocess.run(ns.cmd(args.storm, "-d", str(args.seconds), "-t",
                                    str(args.threads)),
                             check=True, capture_output=True, text=True)
        r = json.loads(out.stdout)
        return {"rate": r["rate"], "units": r["packets"]}

    def lost(mode, stderr):
        if mode.name.startswith("drops -o json"):
            return netsight_summary(stderr)[1]
        if mode.name.startswith("drops --summary"):
            return int(re.search(r"counted in the kernel, (\d+) events lost", stderr).group(1))
        return None

    try:
        summary = compare(modes, storm, args.rounds, "drops", lost)
    finally:
        ns.close()
    write_summary(args.json, summary)


if __name__ == "__main__":
    main()
