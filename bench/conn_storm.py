#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Connection-storm overhead of `netsight conns` and `netsight latency`, side
by side with no tracer and with libbpf-tools tcplife, alternating in one run.

Reports per mode the median connections per second and its ratio to the
baseline; for the tracers their own CPU time per event and, from a final
pass with kernel.bpf_stats_enabled, the time their BPF programs run per
connection; netsight's lost events (the target is none)."""
import argparse
import json
import os
import shutil
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
    p.add_argument("--clients", type=int, default=2)
    p.add_argument("--servers", type=int, default=2)
    p.add_argument("--json", help="also write the summary here")
    args = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("conn_storm: needs root")
    # Events per connection: connect, accept and a close on each side (tcplife: the closes).
    modes = [Mode("baseline"),
             *netsight_modes(binaries(args), "netsight", ["conns", "-o", "json"], events=4,
                             prefixes=("owner_", "conn_"), ready="tracing"),
             # Only the binary under test: one from before may have no latency command.
             *netsight_modes(binaries(args)[:1], "netsight latency", ["latency", "-o", "json"],
                             events=0, prefixes=("owner_", "lat_"), ready="tracing"),
             *netsight_modes(binaries(args)[:1], "netsight agent",
                             ["agent", "--listen", "127.0.0.1:19464"], events=0,
                             prefixes=("owner_", "conn_", "tcp_", "drop_", "lat_"),
                             ready="tracing")]
    if shutil.which("tcplife"):
        modes.append(Mode("tcplife", ["tcplife"], events=2, prefixes=("inet_sock_set_state",)))
    else:
        print("conn_storm: tcplife not found (./scripts/install-deps --bench); "
              "comparing with the baseline only", file=sys.stderr)
    ns = Namespace(f"nsbench{os.getpid()}")

    def storm():
        out = subprocess.run(ns.cmd(args.storm, "-d", str(args.seconds), "-c",
                                    str(args.clients), "-s", str(args.servers)),
                             check=True, capture_output=True, text=True)
        r = json.loads(out.stdout)
        return {"rate": r["rate"], "units": r["connections"]}

    def lost(mode, stderr):
        return netsight_summary(stderr)[1] if mode.name.startswith("netsight") else None

    try:
        summary = compare(modes, storm, args.rounds, "conns", lost)
    finally:
        ns.close()
    write_summary(args.json, summary)


if __name__ == "__main__":
    main()
