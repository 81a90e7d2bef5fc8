#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Connection-storm overhead of `netsight conns`, side by side with no tracer
and with libbpf-tools tcplife, alternating in one run.

For each mode it reports the median connections per second and its ratio to
the baseline; for the tracers their own CPU time per event and, from a final
pass with kernel.bpf_stats_enabled, the time their BPF programs run per
connection. netsight reports events lost; the target is none."""
import argparse
import json
import os
import shutil
import subprocess
import sys

from bench_lib import (BpfStats, Namespace, Tracer, bpf_prog_stats, median,
                       netsight_summary)

# BPF program names of each tool, for the run-time statistics.
PROG_PREFIXES = {"netsight": ("owner_", "conn_"), "tcplife": ("inet_sock_set_state",)}
# Events per storm connection: connect, accept and a close on each side.
EVENTS_PER_CONN = {"netsight": 4, "tcplife": 2}


def run_storm(ns, storm, seconds, clients, servers):
    out = subprocess.run(ns.cmd(storm, "-d", str(seconds), "-c", str(clients), "-s",
                                str(servers)), check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def tracer_for(mode, netsight):
    if mode == "netsight":
        return Tracer([netsight, "conns", "-o", "json"], ready_text="tracing")
    if mode == "tcplife":
        return Tracer(["tcplife"])
    return None


def one_round(mode, args, ns, stats_prefixes=None):
    tracer = tracer_for(mode, args.netsight)
    cpu0 = tracer.cpu() if tracer else 0
    bpf0 = bpf_prog_stats(stats_prefixes) if stats_prefixes else (0, 0)
    storm = run_storm(ns, args.storm, args.seconds, args.clients, args.servers)
    bpf1 = bpf_prog_stats(stats_prefixes) if stats_prefixes else (0, 0)
    result = {"mode": mode, "rate": storm["rate"], "connections": storm["connections"]}
    if tracer:
        result["cpu"] = tracer.cpu() - cpu0
        err = tracer.stop()
        if mode == "netsight":
            result["seen"], result["lost"] = netsight_summary(err)
    if stats_prefixes:
        result["bpf_runs"], result["bpf_ns"] = bpf1[0] - bpf0[0], bpf1[1] - bpf0[1]
    return result


def report(results, modes, bpf):
    base = median([r["rate"] for r in results if r["mode"] == "baseline"])
    print(f"\n{'mode':<10} {'conns/s':>9} {'ratio':>6} {'cpu/event':>10} {'lost':>6} "
          f"{'bpf/conn':>9}")
    summary = {}
    for mode in modes:
        mine = [r for r in results if r["mode"] == mode]
        rate = median([r["rate"] for r in mine])
        line = {"rate": rate, "ratio": rate / base}
        cpu = lost = bpf_per_conn = ""
        if mode != "baseline":
            events = sum(r["connections"] for r in mine) * EVENTS_PER_CONN[mode]
            line["cpu_us_per_event"] = sum(r["cpu"] for r in mine) / events * 1e6
            cpu = f"{line['cpu_us_per_event']:.2f}us"
        if mode == "netsight":
            line["lost"] = sum(r["lost"] for r in mine)
            line["seen"] = sum(r["seen"] for r in mine)
            lost = str(line["lost"])
        if mode in bpf:
            b = bpf[mode]
            line["bpf_ns_per_conn"] = b["bpf_ns"] / max(b["connections"], 1)
            bpf_per_conn = f"{line['bpf_ns_per_conn']:.0f}ns"
        summary[mode] = line
        print(f"{mode:<10} {rate:>9.0f} {rate / base:>6.3f} {cpu:>10} {lost:>6} "
              f"{bpf_per_conn:>9}")
    return summary


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--netsight", required=True)
    p.add_argument("--storm", required=True)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--clients", type=int, default=2)
    p.add_argument("--servers", type=int, default=2)
    p.add_argument("--json", help="also write the summary here")
    args = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("conn_storm: needs root")
    modes = ["baseline", "netsight"] + (["tcplife"] if shutil.which("tcplife") else [])
    if "tcplife" not in modes:
        print("conn_storm: tcplife not found (./scripts/install-deps --bench); "
              "comparing with the baseline only", file=sys.stderr)
    ns = Namespace(f"nsbench{os.getpid()}")
    results, bpf = [], {}
    try:
        for i in range(args.rounds):
            order = modes[i % len(modes):] + modes[:i % len(modes)]
            for mode in order:
                r = one_round(mode, args, ns)
                results.append(r)
                print(f"round {i + 1} {mode:<9} {r['rate']:9.0f} conns/s"
                      + (f"  lost {r['lost']}" if "lost" in r else ""), flush=True)
        with BpfStats():
            for mode in modes[1:]:
                bpf[mode] = one_round(mode, args, ns, PROG_PREFIXES[mode])
    finally:
        ns.close()
    summary = report(results, modes, bpf)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=2)


if __name__ == "__main__":
    main()
