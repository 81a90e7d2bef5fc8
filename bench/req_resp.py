#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Request/response overhead: many small requests on long-lived loopback
connections, with no tracer, under `netsight conns -o json`, and under
`netsight latency`, alternating in one run.

Reports per mode the median requests per second and its ratio to the
baseline, and from a final pass with kernel.bpf_stats_enabled the time the
tracer's BPF programs run per request. The latency target is a ratio of at
least 0.95."""
import argparse
import json
import os
import sys

from bench_lib import (Mode, Namespace, add_binary_args, binaries, compare, netsight_modes,
                       netsight_summary, write_summary)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    add_binary_args(p)
    p.add_argument("--reqresp", required=True)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--seconds", type=float, default=4)
    p.add_argument("--connections", type=int, default=2)
    p.add_argument("--json", help="also write the summary here")
    args = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("req_resp: needs root")
    found = binaries(args)
    modes = [Mode("baseline"),
             *netsight_modes(found, "netsight conns", ["conns", "-o", "json"], events=0,
                             prefixes=("owner_", "conn_"), ready="tracing"),
             # Only the binary under test: one from before may have no latency command.
             *netsight_modes(found[:1], "netsight latency", ["latency", "-o", "json"],
                             events=0, prefixes=("owner_", "lat_"), ready="tracing")]
    ns = Namespace(f"nsrr{os.getpid()}")

    def run():
        out = ns.run(args.reqresp, "-d", str(args.seconds), "-c", str(args.connections))
        r = json.loads(out)
        return {"rate": r["rate"], "units": r["requests"]}

    def lost(mode, stderr):
        return netsight_summary(stderr)[1] if mode.name.startswith("netsight") else None

    try:
        summary = compare(modes, run, args.rounds, "requests", lost)
    finally:
        ns.close()
    write_summary(args.json, summary)


if __name__ == "__main__":
    main()
