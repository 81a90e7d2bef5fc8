#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""DNS queries per second against a local dnsmasq (in its own namespace,
answering from a hosts file), from a client that sends a query and waits for
its answer, over and over (several at once, to keep the CPUs busy): without netsight and with `netsight dns`,
alternating in one run. Reports the median rate, its ratio to the baseline
and netsight's CPU time per query."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

from bench_lib import Mode, Namespace, add_binary_args, binaries, compare, netsight_modes, \
    write_summary

CLIENT = r'''
import json, socket, struct, sys, time
msg = struct.pack("!HHHHHH", 7, 0x0100, 1, 0, 0, 0) + b"\x03web\x04test\x00" + \
    struct.pack("!HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.0.0.1", 53))
n, end = 0, time.monotonic() + float(sys.argv[1])
started = time.monotonic()
while time.monotonic() < end:
    s.send(msg)
    s.recv(512)
    n += 1
print(json.dumps({"queries": n, "rate": n / (time.monotonic() - started)}))
'''


def main():
    p = argparse.ArgumentParser(description=__doc__)
    add_binary_args(p)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--clients", type=int, default=4,
                   help="clients at once: enough to keep every CPU busy, so the rate "
                        "measures work rather than wake-up latency")
    p.add_argument("--json", help="also write the summary here")
    args = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("dns_qps: needs root")
    if not shutil.which("dnsmasq"):
        sys.exit("dns_qps: dnsmasq not found (./scripts/install-deps --test)")
    ns = Namespace(f"nsdns{os.getpid()}")
    tmp = tempfile.TemporaryDirectory()
    hosts = os.path.join(tmp.name, "hosts")
    with open(hosts, "w") as f:
        f.write("10.1.2.3 web.test\n")
    server = subprocess.Popen(ns.cmd("dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts",
                                     f"--addn-hosts={hosts}", "--local=/test/",
                                     "--listen-address=127.0.0.1", "--bind-interfaces",
                                     "--log-facility=/dev/null"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        modes = [Mode("baseline"),
                 *netsight_modes(binaries(args)[:1], "netsight dns", ["dns", "-o", "json"],
                                 events=2, prefixes=("dns_",), ready="tracing")]

        def storm():
            clients = [subprocess.Popen(ns.cmd(sys.executable, "-c", CLIENT, str(args.seconds)),
                                        stdout=subprocess.PIPE, text=True)
                       for _ in range(args.clients)]
            results = [json.loads(c.communicate()[0]) for c in clients]
            return {"rate": sum(r["rate"] for r in results),
                    "units": sum(r["queries"] for r in results)}

        summary = compare(modes, storm, args.rounds, "queries", None)
    finally:
        server.kill()
        server.wait()
        ns.close()
        tmp.cleanup()
    write_summary(args.json, summary)


if __name__ == "__main__":
    main()
