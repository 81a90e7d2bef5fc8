# SPDX-License-Identifier: GPL-2.0-only
"""netsight flows: known traffic between two namespaces, counted at TC and at
XDP on host a's interface, against nftables counters on host a; and nothing
left on the interface afterwards, also after SIGKILL.

Offloads are off on both ends, so every hook sees the same packets: the
stack's segments, not GSO/GRO aggregates."""
import collections
import json
import signal
import subprocess
import time

import pytest

from conftest import require
from netlab import TROUBLE, Netsight, run
from test_conns import CLIENT, SERVER, peer

TCP_PORT, UDP_PORT = 6201, 6202


def offloads_off(pair):
    require(subprocess.run(["which", "ethtool"], capture_output=True).returncode == 0,
            "ethtool is not installed (./scripts/install-deps --test)")
    for ns, dev in ((pair.a, pair.dev_a), (pair.b, pair.dev_b)):
        ns.run("ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off")


def nft_counters(pair):
    """Counters in host a's output and input hooks, one per flow of the test."""
    a, b = pair.a4, pair.b4
    pair.a.run("nft", "-f", "-", input=f"""
        table inet nsflows {{
            counter tcp_out {{}}
            counter tcp_in {{}}
            counter udp_out {{}}
            counter icmp_out {{}}
            counter icmp_in {{}}
            chain out {{
                type filter hook output priority 0; policy accept;
                ip daddr {b} tcp dport {TCP_PORT} counter name tcp_out
                ip daddr {b} udp dport {UDP_PORT} counter name udp_out
                ip daddr {b} icmp type echo-request counter name icmp_out
            }}
            chain in {{
                type filter hook input priority 0; policy accept;
                ip saddr {b} tcp sport {TCP_PORT} counter name tcp_in
                ip saddr {b} icmp type echo-reply counter name icmp_in
            }}
        }}""")


def read_counters(pair):
    out = json.loads(pair.a.run("nft", "-j", "list", "counters", "table", "inet",
                                "nsflows").stdout)
    return {c["counter"]["name"]: (c["counter"]["packets"], c["counter"]["bytes"])
            for c in out["nftables"] if "counter" in c}


def traffic(cleanup, pair, icmp=True):
    """3 TCP connections (2000 bytes each way), 7 UDP datagrams of 100 bytes, 3 pings."""
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", TCP_PORT, "--count", 3,
               "--expect", 2000, "--reply", 2000, "--name", SERVER)
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", TCP_PORT,
               "--count", 3, "--send", 2000, "--expect", 2000, "--name", CLIENT)
    client = cli.result()
    srv.result()
    peer(cleanup, pair.a, "udp-send", "--addr", pair.b4, "--port", UDP_PORT, "--count", 7,
         "--size", 100, "--name", CLIENT, script=TROUBLE).result()
    if icmp:
        peer(cleanup, pair.a, "icmp-echo", "--addr", pair.b4, "--port", 0, "--count", 3,
             "--name", CLIENT, script=TROUBLE).result()
    time.sleep(0.5)
    return client["pid"]


def flows(events):
    """Per flow (direction, protocol, source, destination): packets, bytes and records."""
    total = collections.defaultdict(lambda: {"packets": 0, "bytes": 0, "records": []})
    for e in events:
        assert e["event.action"] == "flow", e
        key = (e["network.direction"], e["network.transport"], e.get("source.ip"),
               e.get("source.port"), e.get("destination.ip"), e.get("destination.port"),
               e.get("icmp.type"), e.get("icmp.code"))
        total[key]["packets"] += e["source.packets"]
        total[key]["bytes"] += e["source.bytes"]
        total[key]["records"].append(e)
    return total


def pick(total, direction, transport, src=None, dport=None, sport=None, icmp_type=None):
    return [v for k, v in total.items()
            if k[0] == direction and k[1] == transport and (src is None or k[2] == src)
            and (dport is None or k[5] == dport) and (sport is None or k[3] == sport)
            and (icmp_type is None or k[6] == icmp_type)]


def summed(rows):
    return (sum(r["packets"] for r in rows), sum(r["bytes"] for r in rows))


def links_left(dev_ifindex=None):
    """BPF links of netsight's flow programs still in the kernel."""
    out = json.loads(run("bpftool", "-j", "link", "show").stdout or "[]")
    progs = {p["id"]: p.get("name", "") for p in json.loads(
        run("bpftool", "-j", "prog", "show").stdout or "[]")}
    return [l for l in out if progs.get(l.get("prog_id"), "").startswith("flow_")]


def test_tc_counts_every_flow_exactly(pair, netsight_bin, cleanup):
    offloads_off(pair)
    nft_counters(pair)
    ns = Netsight(netsight_bin, "flows", "--netns", f"/run/netns/{pair.a.name}", "--iface",
                  pair.dev_a, "-o", "json")
    cleanup(ns)
    assert len(links_left()) == 2  # TCX ingress and egress
    client_pid = traffic(cleanup, pair)
    counters = read_counters(pair)
    events, err = ns.events()
    total = flows(events)

    tcp_out = pick(total, "egress", "tcp", src=pair.a4, dport=TCP_PORT)
    assert len(tcp_out) == 3  # one flow per connection
    assert summed(tcp_out) == counters["tcp_out"]
    assert summed(pick(total, "ingress", "tcp", src=pair.b4, sport=TCP_PORT)) == \
        counters["tcp_in"]
    assert summed(pick(total, "egress", "udp", src=pair.a4, dport=UDP_PORT)) == \
        counters["udp_out"] == (7, 7 * 128)
    assert summed(pick(total, "egress", "icmp", src=pair.a4, icmp_type=8)) == \
        counters["icmp_out"]
    # Echo replies; the UDP datagrams also brought back port unreachables (type 3).
    assert summed(pick(total, "ingress", "icmp", src=pair.b4, icmp_type=0)) == \
        counters["icmp_in"]
    assert counters["icmp_out"][0] == 3
    for flow in tcp_out:
        first = flow["records"][0]
        assert first["observer.egress.interface.name"] == pair.dev_a
        assert first["network.community_id"].startswith("1:")
        assert first["process.pid"] == client_pid
        assert {"SYN", "ACK", "FIN"} <= set().union(*(r["tcp.flags"] for r in flow["records"]))
        assert first["flow.start"] <= flow["records"][-1]["flow.end"]
    # Both directions of a connection share one Community ID.
    ids_out = {f["records"][0]["network.community_id"] for f in tcp_out}
    ids_in = {f["records"][0]["network.community_id"]
              for f in pick(total, "ingress", "tcp", src=pair.b4, sport=TCP_PORT)}
    assert ids_out == ids_in
    assert not links_left()


def test_xdp_counts_what_comes_in(pair, netsight_bin, cleanup):
    offloads_off(pair)
    nft_counters(pair)
    ns = Netsight(netsight_bin, "flows", "--netns", f"/run/netns/{pair.a.name}", "--iface",
                  pair.dev_a, "--xdp", "-o", "json")
    cleanup(ns)
    assert "XDP" in ns.stderr() and "ingress only" in ns.stderr()
    traffic(cleanup, pair)
    counters = read_counters(pair)
    events, _ = ns.events()
    total = flows(events)
    assert not pick(total, "egress", "tcp") and not pick(total, "egress", "udp")
    assert summed(pick(total, "ingress", "tcp", src=pair.b4, sport=TCP_PORT)) == \
        counters["tcp_in"]
    assert summed(pick(total, "ingress", "icmp", src=pair.b4, icmp_type=0)) == \
        counters["icmp_in"]
    assert "xdp" not in pair.a.ip("link", "show", pair.dev_a).stdout
    assert not links_left()


def test_an_xdp_program_already_there_is_not_replaced(pair, netsight_bin, cleanup):
    """A second netsight --xdp on the same interface finds the first one's program."""
    first = Netsight(netsight_bin, "flows", "--netns", f"/run/netns/{pair.a.name}",
                     "--iface", pair.dev_a, "--xdp")
    cleanup(first)
    second = subprocess.run([netsight_bin, "flows", "--netns", f"/run/netns/{pair.a.name}",
                             "--iface", pair.dev_a, "--xdp", "--duration", "1"],
                            capture_output=True, text=True, timeout=60)
    assert second.returncode != 0
    assert "already has an XDP program" in second.stderr and "flow_xdp" in second.stderr
    _, _, code = first.stop()
    assert code == 0


def test_sigkill_leaves_nothing_behind(pair, netsight_bin, cleanup):
    for mode in ([], ["--xdp"]):
        ns = Netsight(netsight_bin, "flows", "--netns", f"/run/netns/{pair.a.name}",
                      "--iface", pair.dev_a, *mode)
        cleanup(ns)
        assert links_left()
        ns.proc.send_signal(signal.SIGKILL)
        ns.proc.wait()
        deadline = time.monotonic() + 5
        while links_left() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not links_left()
        assert "xdp" not in pair.a.ip("link", "show", pair.dev_a).stdout
        assert "clsact" not in pair.a.run("tc", "qdisc", "show", "dev", pair.dev_a).stdout


def test_the_programs_after_it_still_run(pair, netsight_bin, cleanup):
    """netsight hands every packet on (TCX_NEXT): a second run on the same
    interface, attached after the first, sees every packet too."""
    offloads_off(pair)
    nft_counters(pair)
    runs = [Netsight(netsight_bin, "flows", "--netns", f"/run/netns/{pair.a.name}",
                     "--iface", pair.dev_a, "-o", "json") for _ in range(2)]
    for r in runs:
        cleanup(r)
    traffic(cleanup, pair, icmp=False)
    counters = read_counters(pair)
    for r in runs:
        total = flows(r.events()[0])
        assert summed(pick(total, "egress", "udp", src=pair.a4, dport=UDP_PORT)) == (7, 896)
        assert summed(pick(total, "ingress", "tcp", src=pair.b4, sport=TCP_PORT)) == \
            counters["tcp_in"]


@pytest.mark.parametrize("args, message", [
    ([], "which interface"),
    (["--iface", "nosuchif0"], "no such interface"),
    (["--iface", "lo", "--netns", "/nonexistent"], "--netns '/nonexistent'"),
    (["--iface", "a" * 20], "1 to 15 characters"),
    (["--iface", "lo", "--max-flows", "3"], "expected 16 to"),
])
def test_bad_input_is_refused_clearly(netsight_bin, args, message):
    r = subprocess.run([netsight_bin, "flows", *args, "--duration", "1"], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr


def test_all_follows_interfaces_that_appear(pair, netsight_bin, cleanup):
    """--iface all: every interface of the namespace, and one made while it runs."""
    ns = Netsight(netsight_bin, "flows", "--netns", f"/run/netns/{pair.a.name}", "--iface",
                  "all", "-o", "json")
    cleanup(ns)
    assert "lo: counting" in ns.stderr() and f"{pair.dev_a}: counting" in ns.stderr()
    late_a, late_b = f"{pair.dev_a}n", f"{pair.dev_b}n"
    run("ip", "link", "add", late_a, "netns", pair.a.name, "type", "veth", "peer", "name",
        late_b, "netns", pair.b.name)
    pair.a.ip("addr", "add", "10.232.9.1/24", "dev", late_a)
    pair.b.ip("addr", "add", "10.232.9.2/24", "dev", late_b)
    pair.a.ip("link", "set", late_a, "up")
    pair.b.ip("link", "set", late_b, "up")
    deadline = time.monotonic() + 10
    while f"{late_a}: counting" not in ns.stderr() and time.monotonic() < deadline:
        time.sleep(0.1)
    peer(cleanup, pair.a, "udp-send", "--addr", "10.232.9.2", "--port", UDP_PORT, "--count", 5,
         "--size", 100, "--name", CLIENT, script=TROUBLE).result()
    time.sleep(0.3)
    events, _ = ns.events()
    late = [e for e in events if e.get("observer.egress.interface.name") == late_a
            and e.get("destination.port") == UDP_PORT]
    assert sum(e["source.packets"] for e in late) == 5
    assert not links_left()


def test_ipv6_and_fragments_are_counted_not_misparsed(pair, netsight_bin, cleanup):
    """IPv6 flows carry their ports; IPv4 fragments after the first have none,
    and are counted, marked, under the flow's addresses."""
    offloads_off(pair)
    ns = Netsight(netsight_bin, "flows", "--netns", f"/run/netns/{pair.a.name}", "--iface",
                  pair.dev_a, "-o", "json")
    cleanup(ns)
    pair.a.run("python3", "-c",
               "import socket\n"
               "s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)\n"
               f"[s.sendto(b'x' * 50, ('{pair.b6}', {UDP_PORT})) for _ in range(4)]\n"
               "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
               # 3000 bytes over a 1500-byte MTU: three fragments, the first with the ports.
               f"s.sendto(b'y' * 3000, ('{pair.b4}', {UDP_PORT + 1}))\n")
    time.sleep(2.5)  # the IPv6 datagrams wait for neighbour discovery (and b's DAD)
    events, _ = ns.events()
    v6 = [e for e in events if e["network.direction"] == "egress"
          and e.get("destination.ip") == pair.b6 and e.get("destination.port") == UDP_PORT]
    assert sum(e["source.packets"] for e in v6) == 4
    assert sum(e["source.bytes"] for e in v6) == 4 * (40 + 8 + 50)
    first = [e for e in events if e["network.direction"] == "egress"
             and e.get("destination.port") == UDP_PORT + 1]
    rest = [e for e in events if e["network.direction"] == "egress"
            and e.get("flow.fragments") and e.get("destination.ip") == pair.b4]
    assert sum(e["source.packets"] for e in first) == 1
    assert sum(e["source.packets"] for e in rest) == 2
    assert all("destination.port" not in e for e in rest)
    assert sum(e["source.bytes"] for e in first + rest) == 3000 + 8 + 3 * 20
