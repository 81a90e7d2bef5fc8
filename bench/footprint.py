#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""What each tracer holds while it runs with default options: its resident
memory and the kernel memory of its BPF maps (the memlock the kernel charges
for them, ring buffers included), after a short connection storm so that
everything it touches under load is counted. libbpf-tools tcplife beside."""
import argparse
import os
import shutil
import subprocess
import sys
import time

from bench_lib import (Mode, Namespace, add_binary_args, binaries, netsight_modes,
                       process_footprint, write_summary)

COMMANDS = [("conns", ["conns", "-o", "json"]),
            ("tcp", ["tcp", "-o", "json"]),
            ("drops", ["drops", "-o", "json"]),
            ("drops --summary", ["drops", "--summary"])]

MIB = 1 << 20


def main():
    p = argparse.ArgumentParser(description=__doc__)
    add_binary_args(p)
    p.add_argument("--storm", required=True)
    p.add_argument("--seconds", type=float, default=2)
    p.add_argument("--json", help="also write the summary here")
    args = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("footprint: needs root")
    modes = []
    for name, argv in COMMANDS:
        modes += netsight_modes(binaries(args), f"netsight {name}", argv, ready="tracing")
    if shutil.which("tcplife"):
        modes.append(Mode("tcplife", ["tcplife"]))
    ns = Namespace(f"nsbench{os.getpid()}")
    summary = {}
    print(f"{'mode':<28} {'resident':>10} {'maps':>10}")
    try:
        for mode in modes:
            tracer = mode.start()
            try:
                subprocess.run(ns.cmd(args.storm, "-d", str(args.seconds)), check=True,
                               capture_output=True)
                time.sleep(0.5)
                rss, maps = process_footprint(tracer.proc.pid)
            finally:
                tracer.stop()
            summary[mode.name] = {"rss_bytes": rss, "map_bytes": maps}
            print(f"{mode.name:<28} {rss / MIB:>7.1f}MiB {maps / MIB:>7.1f}MiB", flush=True)
    finally:
        ns.close()
    write_summary(args.json, summary)


if __name__ == "__main__":
    main()
