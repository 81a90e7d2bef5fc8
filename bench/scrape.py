#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""How long a scrape of the agent's whole endpoint takes with about 10,000
series, and the agent's resident memory then: refused connects to distinct
ports, one connect_failures series each. Reports the median and the slowest
of the scrapes, in milliseconds (the target is under 50 ms)."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

from bench_lib import Namespace, Tracer, add_binary_args, write_summary

PORT = 19465


def main():
    p = argparse.ArgumentParser(description=__doc__)
    add_binary_args(p)
    p.add_argument("--series", type=int, default=10000)
    p.add_argument("--scrapes", type=int, default=30)
    p.add_argument("--json", help="also write the summary here")
    args = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("scrape: needs root")
    agent = Tracer([args.netsight, "agent", "--listen", f"127.0.0.1:{PORT}",
                    "--max-series", str(args.series + 1000)], ready_text="tracing")
    ns = Namespace(f"nsscrape{os.getpid()}")
    try:
        ns.run("python3", "-c",
               "import socket\n"
               f"for port in range(20000, 20000 + {args.series}):\n"
               "    try:\n"
               "        socket.create_connection(('127.0.0.1', port)).close()\n"
               "    except OSError:\n"
               "        pass\n")
        time.sleep(2.5)
        times, size = [], 0
        for _ in range(args.scrapes):
            started = time.monotonic()
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/metrics", timeout=30) as r:
                body = r.read()
            times.append((time.monotonic() - started) * 1000)
            size = len(body)
        series = sum(1 for line in body.decode().splitlines() if line and line[0] != "#")
        with open(f"/proc/{agent.proc.pid}/status") as f:
            rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024
    finally:
        agent.stop()
        ns.close()
    summary = {"series": series, "bytes": size, "median_ms": statistics.median(times),
               "max_ms": max(times), "rss_mib": rss}
    print(f"{series} series, {size} bytes: scrape median {summary['median_ms']:.1f} ms, "
          f"slowest {summary['max_ms']:.1f} ms; agent RSS {rss:.1f} MiB")
    write_summary(args.json, summary)


if __name__ == "__main__":
    main()
