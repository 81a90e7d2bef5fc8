#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The agent under a long connection storm (10 minutes by default): its
resident memory at start and at the end of every minute, whether the
connections it counted are the storm's, and the time of a full scrape at
the end. The target is at most 20 MiB resident after the storm."""
import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

from bench_lib import Namespace, Tracer, add_binary_args, process_footprint, write_summary

PORT = 19466
MIB = 1 << 20


def scrape():
    started = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/metrics", timeout=30) as r:
        body = r.read().decode()
    return body, (time.monotonic() - started) * 1000


def opened(body, direction):
    return sum(float(l.rsplit(" ", 1)[1]) for l in body.splitlines()
               if l.startswith("netsight_tcp_connections_opened_total{")
               and f'direction="{direction}"' in l and 'destination_port="7777"' in l)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    add_binary_args(p)
    p.add_argument("--storm", required=True)
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--json", help="also write the summary here")
    args = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("agent_soak: needs root")
    agent = Tracer([args.netsight, "agent", "--listen", f"127.0.0.1:{PORT}"],
                   ready_text="tracing")
    ns = Namespace(f"nssoak{os.getpid()}")
    samples, connections = [], 0
    try:
        samples.append(process_footprint(agent.proc.pid)[0])
        print(f"start: {samples[0] / MIB:.1f} MiB resident", flush=True)
        for minute in range(int(args.minutes + 0.999)):
            seconds = min(60, args.minutes * 60 - minute * 60)
            out = subprocess.run(ns.cmd(args.storm, "-d", str(seconds)), check=True,
                                 capture_output=True, text=True)
            connections += json.loads(out.stdout)["connections"]
            samples.append(process_footprint(agent.proc.pid)[0])
            print(f"minute {minute + 1}: {samples[-1] / MIB:.1f} MiB resident, "
                  f"{connections} connections so far", flush=True)
        time.sleep(2.5)  # the last reading of the kernel's tables
        body, ms = scrape()
        counted = opened(body, "egress")
        lost = re.findall(r'^netsight_events_lost_total\{[^}]*\} (\d+)', body, re.M)
    finally:
        agent.stop()
        ns.close()
    summary = {"minutes": args.minutes, "rss_start_bytes": samples[0],
               "rss_end_bytes": samples[-1], "rss_max_bytes": max(samples),
               "connections": connections, "counted": counted,
               "events_lost": sum(int(n) for n in lost), "scrape_ms": ms}
    print(f"after {args.minutes:g} min: {samples[-1] / MIB:.1f} MiB resident (max "
          f"{max(samples) / MIB:.1f}); {connections} connections, {counted:.0f} counted; "
          f"scrape {ms:.1f} ms")
    write_summary(args.json, summary)


if __name__ == "__main__":
    main()
