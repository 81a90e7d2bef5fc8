# SPDX-License-Identifier: GPL-2.0-only
"""netsight conns against real traffic: exact counts per side, the right
process on both ends, exact payload bytes, and agreement with the kernel's
own counters (nstat) in each namespace."""
import time

from netlab import PEER, Netsight, Peer, account, counter_delta

CLIENT, SERVER = "nsx-client", "nsx-server"
COMMON_KEYS = {"@timestamp", "event.action", "host.name", "process.pid", "process.name",
               "cgroup.id", "network.transport", "network.type", "network.direction",
               "source.ip", "source.port", "destination.ip", "destination.port"}
CLOSE_KEYS = {"event.duration", "source.bytes", "destination.bytes", "tcp.rtt_ms",
              "tcp.retransmits", "tcp.close_reason", "tcp.preexisting"}


def start(cleanup, binary, *args):
    ns = Netsight(binary, "conns", "-o", "json", *args)
    cleanup(ns)
    return ns


def peer(cleanup, ns, role, *args, script=PEER):
    """A peer process (tcp_peer.py, or script=TROUBLE), killed when the test ends."""
    p = Peer(ns, role, *args, script=script)
    cleanup(p)
    return p


def on_port(events, port, action=None):
    return [e for e in events
            if port in (e.get("source.port"), e.get("destination.port"))
            and (action is None or e["event.action"] == action)]


def settle():
    """Lets the last FIN/ACKs of a finished exchange land before stopping."""
    time.sleep(0.3)


def exchange(cleanup, srv_ns, cli_ns, server_addr, port, count, send, reply, *extra):
    srv = peer(cleanup, srv_ns, "server", "--bind", server_addr, "--port", port,
               "--count", count, "--expect", send, "--reply", reply, "--name", SERVER,
               *extra)
    cli = peer(cleanup, cli_ns, "client", "--connect", server_addr, "--port", port,
               "--count", count, "--send", send, "--expect", reply, "--name", CLIENT)
    c, s = cli.result(), srv.result()
    assert c["errors"] == []
    return c["pid"], s["pid"]


def check_exact(events, port, count, send, reply, cli_pid, srv_pid, cli_ip, srv_ip, family):
    connects = on_port(events, port, "connect")
    accepts = on_port(events, port, "accept")
    closes = on_port(events, port, "close")
    assert len(connects) == count, connects
    assert len(accepts) == count, accepts
    assert len(closes) == 2 * count, closes
    for e in connects + accepts + closes:
        assert COMMON_KEYS <= e.keys(), e
        assert e["network.transport"] == "tcp"
        assert e["network.type"] == family
        assert (e["source.ip"], e["destination.ip"]) == (cli_ip, srv_ip), e
        assert e["destination.port"] == port
    for e in connects:
        assert (e["process.pid"], e["process.name"]) == (cli_pid, CLIENT), e
        assert e["network.direction"] == "egress"
        assert e["tcp.connect_latency_ms"] > 0
    for e in accepts:
        assert (e["process.pid"], e["process.name"]) == (srv_pid, SERVER), e
        assert e["network.direction"] == "ingress"
    client_closes = [e for e in closes if e["network.direction"] == "egress"]
    server_closes = [e for e in closes if e["network.direction"] == "ingress"]
    assert len(client_closes) == len(server_closes) == count
    for e in closes:
        assert CLOSE_KEYS <= e.keys(), e
        owner = (cli_pid, CLIENT) if e in client_closes else (srv_pid, SERVER)
        assert (e["process.pid"], e["process.name"]) == owner, e
        assert (e["source.bytes"], e["destination.bytes"]) == (send, reply), e
        assert e["tcp.rtt_ms"] > 0 and e["event.duration"] > 0
        assert e["tcp.close_reason"] == "fin"
        assert e["tcp.preexisting"] is False
        assert e["tcp.retransmits"] == 0
    # Every connection appears once per side: ports pair connects with accepts.
    assert sorted(e["source.port"] for e in connects) == \
        sorted(e["source.port"] for e in accepts)


def check_summary(stderr, seen_at_least):
    delivered, lost, undelivered = account(stderr)
    assert (lost, undelivered) == (0, 0), stderr
    assert delivered >= seen_at_least


def test_between_namespaces(pair, netsight_bin, cleanup):
    count, send, reply, port = 12, 1234, 54321, 5001
    ns = start(cleanup, netsight_bin)
    a0, b0 = pair.a.counters(), pair.b.counters()
    cli_pid, srv_pid = exchange(cleanup, pair.b, pair.a, pair.b4, port, count, send, reply)
    settle()
    a1, b1 = pair.a.counters(), pair.b.counters()
    events, err = ns.events()
    check_exact(events, port, count, send, reply, cli_pid, srv_pid, pair.a4, pair.b4, "ipv4")
    assert counter_delta(a0, a1, "TcpActiveOpens")["TcpActiveOpens"] == count
    assert counter_delta(b0, b1, "TcpPassiveOpens")["TcpPassiveOpens"] == count
    assert counter_delta(a0, a1, "TcpPassiveOpens")["TcpPassiveOpens"] == 0
    check_summary(err, 4 * count)


def test_loopback_one_namespace(netns, netsight_bin, cleanup):
    count, send, reply, port = 10, 777, 3333, 5002
    ns = start(cleanup, netsight_bin)
    before = netns.counters()
    cli_pid, srv_pid = exchange(cleanup, netns, netns, "127.0.0.1", port, count, send, reply)
    settle()
    after = netns.counters()
    events, err = ns.events()
    check_exact(events, port, count, send, reply, cli_pid, srv_pid, "127.0.0.1", "127.0.0.1",
                "ipv4")
    delta = counter_delta(before, after, "TcpActiveOpens", "TcpPassiveOpens")
    assert delta == {"TcpActiveOpens": count, "TcpPassiveOpens": count}
    check_summary(err, 4 * count)


def test_ipv6_between_namespaces(pair, netsight_bin, cleanup):
    count, send, reply, port = 6, 4096, 100000, 5003
    ns = start(cleanup, netsight_bin)
    a0, b0 = pair.a.counters(), pair.b.counters()
    cli_pid, srv_pid = exchange(cleanup, pair.b, pair.a, pair.b6, port, count, send, reply)
    settle()
    a1, b1 = pair.a.counters(), pair.b.counters()
    events, _ = ns.events()
    check_exact(events, port, count, send, reply, cli_pid, srv_pid, pair.a6, pair.b6, "ipv6")
    assert counter_delta(a0, a1, "TcpActiveOpens")["TcpActiveOpens"] == count
    assert counter_delta(b0, b1, "TcpPassiveOpens")["TcpPassiveOpens"] == count


def test_ipv4_client_of_dual_stack_listener_is_ipv4(pair, netsight_bin, cleanup):
    count, port = 3, 5004
    ns = start(cleanup, netsight_bin)
    srv = peer(cleanup, pair.b, "server", "--bind", "::", "--dual-stack", "--port", port,
               "--count", count, "--expect", 10, "--reply", 20, "--name", SERVER)
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
               "--count", count, "--send", 10, "--expect", 20, "--name", CLIENT)
    cli_pid, srv_pid = cli.result()["pid"], srv.result()["pid"]
    settle()
    events, _ = ns.events()
    check_exact(events, port, count, 10, 20, cli_pid, srv_pid, pair.a4, pair.b4, "ipv4")


def test_refused_connects(pair, netsight_bin, cleanup):
    count, port = 5, 5005
    ns = start(cleanup, netsight_bin)
    a0, b0 = pair.a.counters(), pair.b.counters()
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
               "--count", count, "--name", CLIENT)
    res = cli.result()
    settle()
    a1, b1 = pair.a.counters(), pair.b.counters()
    events, _ = ns.events()
    failed = on_port(events, port, "connect_failed")
    assert len(failed) == count == len(res["errors"])
    for e in failed:
        assert (e["process.pid"], e["process.name"]) == (res["pid"], CLIENT)
        assert e["error.code"] == "ECONNREFUSED"
        assert (e["source.ip"], e["destination.ip"]) == (pair.a4, pair.b4)
        assert e["source.port"] > 0 and e["network.direction"] == "egress"
    assert on_port(events, port, "connect") == on_port(events, port, "close") == []
    assert counter_delta(a0, a1, "TcpAttemptFails")["TcpAttemptFails"] == count
    assert counter_delta(b0, b1, "TcpOutRsts")["TcpOutRsts"] == count
