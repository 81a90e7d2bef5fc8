#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Packets per second through a veth pair between two namespaces: small UDP
datagrams from host a to host b, where nobody listens, without netsight and
with `netsight flows` on host b's interface at TC and at XDP, alternating in
one run. Reports the median rate, its ratio to the baseline, and netsight's
CPU time per packet."""
import argparse
import json
import os
import subprocess
import sys

from bench_lib import Mode, Namespace, add_binary_args, binaries, compare, netsight_modes, sh, \
    write_summary


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
        sys.exit("flow_storm: needs root")
    a, b = Namespace(f"nsfa{os.getpid()}"), Namespace(f"nsfb{os.getpid()}")
    dev_a, dev_b = f"fsa{os.getpid() % 100000}", f"fsb{os.getpid() % 100000}"
    try:
        sh("ip", "link", "add", dev_a, "netns", a.name, "type", "veth", "peer", "name", dev_b,
           "netns", b.name)
        sh("ip", "-n", a.name, "addr", "add", "10.233.1.1/24", "dev", dev_a)
        sh("ip", "-n", b.name, "addr", "add", "10.233.1.2/24", "dev", dev_b)
        sh("ip", "-n", a.name, "link", "set", dev_a, "up")
        sh("ip", "-n", b.name, "link", "set", dev_b, "up")
        flows = ["flows", "--netns", f"/run/netns/{b.name}", "--iface", dev_b, "-o", "json"]
        bins = binaries(args)[:1]
        modes = [Mode("baseline"),
                 *netsight_modes(bins, "flows (TC)", flows, events=1, prefixes=("flow_",),
                                 ready="tracing"),
                 *netsight_modes(bins, "flows (XDP)", flows + ["--xdp"], events=1,
                                 prefixes=("flow_",), ready="tracing")]

        def storm():
            out = subprocess.run(a.cmd(args.storm, "-d", str(args.seconds), "-t",
                                       str(args.threads), "-a", "10.233.1.2"),
                                 check=True, capture_output=True, text=True)
            r = json.loads(out.stdout)
            return {"rate": r["rate"], "units": r["packets"]}

        summary = compare(modes, storm, args.rounds, "packets", None)
    finally:
        a.close()
        b.close()
    write_summary(args.json, summary)


if __name__ == "__main__":
    main()
