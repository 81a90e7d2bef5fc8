#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The tax a tracer puts on processes that never touch the network: a tight
getppid() loop with each command running, against no tracer and against
libbpf-tools tcplife, alternating in one run. Reports the calls per second
and their ratio to the baseline (1.0: no tax)."""
import argparse
import json
import os
import shutil
import subprocess
import sys

from bench_lib import Mode, add_binary_args, binaries, compare, netsight_modes, write_summary

COMMANDS = [("conns", ["conns", "-o", "json"]),
            ("tcp", ["tcp", "-o", "json"]),
            ("drops", ["drops", "-o", "json"]),
            ("drops --summary", ["drops", "--summary"])]


def main():
    p = argparse.ArgumentParser(description=__doc__)
    add_binary_args(p)
    p.add_argument("--loop", required=True, help="the syscall_loop program")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--calls", type=int, default=2000000)
    p.add_argument("--json", help="also write the summary here")
    args = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("syscall_tax: needs root")
    modes = [Mode("baseline")]
    for name, argv in COMMANDS:
        modes += netsight_modes(binaries(args), f"netsight {name}", argv, events=0,
                                ready="tracing")
    if shutil.which("tcplife"):
        modes.append(Mode("tcplife", ["tcplife"], events=0))
    else:
        print("syscall_tax: tcplife not found (./scripts/install-deps --bench)",
              file=sys.stderr)

    def loop():
        out = subprocess.run([args.loop, "-n", str(args.calls)], check=True,
                             capture_output=True, text=True)
        r = json.loads(out.stdout)
        return {"rate": 1e9 / r["ns_per_call"], "units": r["calls"]}

    summary = compare(modes, loop, args.rounds, "calls")
    write_summary(args.json, summary)


if __name__ == "__main__":
    main()
