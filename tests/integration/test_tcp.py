# SPDX-License-Identifier: GPL-2.0-only
"""netsight tcp against trouble the tests cause, compared exactly with the
kernel's counters in each namespace (nstat):
  retransmit counts (segments)         = TcpRetransSegs (no SYN-ACKs resent here)
  reset_sent events                    = TcpOutRsts
  SO_LINGER 0 / unread-data closes     = TcpExtTCPAbortOnData / TCPAbortOnClose
  listen_overflow counts               = TcpExtListenOverflows = TcpExtListenDrops
"""
import json
import os
import time

import pytest

from netlab import TROUBLE, Netsight, counter_delta
from test_conns import CLIENT, SERVER, peer, settle


def drop_handshake_acks(ns, port):
    """Loses the ACKs that would complete handshakes to @port (nft table nstest)."""
    ns.run("nft", "-f", "-", input=f"""
        table inet nstest {{
            chain in {{
                type filter hook input priority 0; policy accept;
                tcp dport {port} tcp flags == ack ip length 52 drop
            }}
        }}""")


def tcp(cleanup, binary, *args):
    ns = Netsight(binary, "tcp", "-o", "json", *args)
    cleanup(ns)
    return ns


def ours(events, pair, action=None):
    """Events between the pair's addresses (other traffic shares the machine)."""
    addrs = {pair.a4, pair.b4}
    return [e for e in events
            if {e.get("source.ip"), e.get("destination.ip")} & addrs
            and (action is None or e["event.action"] == action)]


def total(events):
    return sum(e.get("count", 1) for e in events)


def test_retransmissions_match_retranssegs(pair, netsight_bin, cleanup):
    port = 6101
    pair.drop_every_fourth(port)
    ns = tcp(cleanup, netsight_bin)
    a0, b0 = pair.a.counters(), pair.b.counters()
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", port, "--count", 8,
               "--expect", 300, "--reply", 300, "--name", SERVER)
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
               "--count", 8, "--send", 300, "--expect", 300, "--name", CLIENT)
    cli_pid, srv_pid = cli.result()["pid"], srv.result()["pid"]
    time.sleep(1.5)  # loss-probe and RTO timers finish
    a1, b1 = pair.a.counters(), pair.b.counters()
    events, _ = ns.events()
    rtx = ours(events, pair, "retransmit")
    by_client = [e for e in rtx if e.get("process.pid") == cli_pid]
    by_server = [e for e in rtx if e.get("process.pid") == srv_pid]
    assert len(by_client) + len(by_server) == len(rtx)
    assert total(by_client) == counter_delta(a0, a1, "TcpRetransSegs")["TcpRetransSegs"] > 0
    assert total(by_server) == counter_delta(b0, b1, "TcpRetransSegs")["TcpRetransSegs"]
    for e in by_client:
        assert e["process.name"] == CLIENT and e["tcp.state"] == "ESTABLISHED"
        assert (e["source.ip"], e["destination.ip"], e["destination.port"]) == \
            (pair.a4, pair.b4, port)


def test_resets_match_outrsts(pair, netsight_bin, cleanup):
    ns = tcp(cleanup, netsight_bin)
    a0, b0 = pair.a.counters(), pair.b.counters()
    # 1. Connects to a closed port: the kernel answers with a RST nobody owns.
    refused = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", 6102,
                   "--count", 3, "--name", CLIENT)
    refused_pid = refused.result()["pid"]
    # 2. A server that aborts with SO_LINGER 0.
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", 6103, "--count", 2,
               "--expect", 5, "--reply", 5, "--abort", "--name", SERVER)
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", 6103,
               "--count", 2, "--send", 5, "--expect", 5, "--name", CLIENT)
    cli.result()
    aborter = srv.result()["pid"]
    # 3. A client that closes with unread data.
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", 6104, "--count", 1,
               "--expect", 5, "--reply", 50, "--name", SERVER)
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", 6104,
               "--count", 1, "--send", 5, "--close-unread", "--name", CLIENT)
    unread = cli.result()["pid"]
    srv.result()
    settle()
    a1, b1 = pair.a.counters(), pair.b.counters()
    events, _ = ns.events()
    sent = ours(events, pair, "reset_sent")
    # Who sent each: the host whose namespace the event is in.
    sent_a = [e for e in sent if e["network.netns"] == pair.a.inode()]
    sent_b = [e for e in sent if e["network.netns"] == pair.b.inode()]
    assert len(sent_a) == counter_delta(a0, a1, "TcpOutRsts")["TcpOutRsts"]
    assert len(sent_b) == counter_delta(b0, b1, "TcpOutRsts")["TcpOutRsts"]
    # Source is who opened the connection, A, in every one of them.
    assert all(e["source.ip"] == pair.a4 for e in sent)
    no_socket = [e for e in sent_b if e["destination.port"] == 6102]
    assert len(no_socket) == 3
    assert all("process.pid" not in e and e["tcp.reset_reason"] == "NO_SOCKET"
               and e["network.direction"] == "ingress"
               and e["event.type"] == ["connection", "denied"] for e in no_socket)
    # The aborts themselves; a late segment from the client may also draw a RST
    # from the listener, which the server owns too (reason TCP_FLAGS).
    lingered = [e for e in sent_b if e["destination.port"] == 6103
                and e.get("tcp.reset_reason") == "TCP_STATE"]
    assert {e["process.pid"] for e in lingered} == {aborter}
    assert {e["network.direction"] for e in lingered} == {"ingress"}
    assert all(e["process.pid"] == aborter for e in sent_b if e["destination.port"] == 6103
               and e.get("tcp.state") == "LISTEN")
    assert len(lingered) == 2 == \
        counter_delta(b0, b1, "TcpExtTCPAbortOnData")["TcpExtTCPAbortOnData"]
    mine = [e for e in sent_a if e.get("process.pid") == unread]
    assert len(mine) == 1 == \
        counter_delta(a0, a1, "TcpExtTCPAbortOnClose")["TcpExtTCPAbortOnClose"]
    assert mine[0]["tcp.reset_reason"] == "TCP_ABORT_ON_CLOSE"
    assert mine[0]["network.direction"] == "egress"
    received = ours(events, pair, "reset_received")
    refused_rx = [e for e in received if e.get("process.pid") == refused_pid]
    assert len(refused_rx) == 3 and {e["tcp.state"] for e in refused_rx} == {"SYN_SENT"}
    assert all(e["destination.ip"] == pair.b4 and e["destination.port"] == 6102
               and e["network.direction"] == "egress" for e in refused_rx)


def test_synack_retransmits_count_in_retranssegs(pair, netsight_bin, cleanup):
    """The server never sees the handshake's last ACK, so it resends its SYN-ACK
    until the client's first data segment completes the handshake."""
    port = 6106
    drop_handshake_acks(pair.b, port)
    ns = tcp(cleanup, netsight_bin)
    b0 = pair.b.counters()
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", port, "--count", 2,
               "--expect", 100, "--reply", 1000, "--name", SERVER)
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port, "--count", 2,
               "--send", 100, "--expect", 1000, "--delay-send", 1.5, "--name", CLIENT)
    cli.result()
    srv_pid = srv.result()["pid"]
    settle()
    b1 = pair.b.counters()
    events, _ = ns.events()
    delta = counter_delta(b0, b1, "TcpExtTCPSynRetrans", "TcpRetransSegs")
    synack = [e for e in ours(events, pair, "synack_retransmit")
              if e["destination.port"] == port]
    server_rtx = [e for e in ours(events, pair, "retransmit")
                  if e.get("process.pid") == srv_pid]
    assert len(synack) == delta["TcpExtTCPSynRetrans"] >= 2
    assert len(synack) + total(server_rtx) == delta["TcpRetransSegs"]
    for e in synack:
        assert (e["process.pid"], e["process.name"]) == (srv_pid, SERVER), e
        # The client opened the connection: it is the source, seen coming in.
        assert (e["source.ip"], e["destination.ip"]) == (pair.a4, pair.b4)
        assert e["network.direction"] == "ingress"


def overflow(pair, cleanup, tmp_path, clients=8, backlog=1, clients_hold=None):
    """A server that never accepts, and clients that keep trying for a while
    (until @clients_hold exists, if given, else until the server goes)."""
    port = 6105
    hold = os.path.join(tmp_path, "done")
    srv = peer(cleanup, pair.b, "listen", "--addr", pair.b4, "--port", port, "--backlog",
               backlog, "--hold-file", hold, "--name", SERVER, script=TROUBLE)
    cli = peer(cleanup, pair.a, "connect-many", "--addr", pair.b4, "--port", port, "--count",
               clients, "--hold-file", clients_hold or hold, "--name", CLIENT, script=TROUBLE)
    return port, srv, cli, hold


def test_listen_overflow_names_the_server(pair, netsight_bin, cleanup, tmp_path, kernel_path):
    ns = tcp(cleanup, netsight_bin)
    b0 = pair.b.counters()
    port, srv, cli, hold = overflow(pair, cleanup, tmp_path)
    time.sleep(4)  # clients retransmit their SYNs into the full queue
    b1 = pair.b.counters()
    open(hold, "w").close()
    srv.result()
    cli.result()
    events, _ = ns.events()
    over = ours(events, pair, "listen_overflow")
    delta = counter_delta(b0, b1, "TcpExtListenOverflows", "TcpExtListenDrops")
    assert total(over) == delta["TcpExtListenOverflows"] == delta["TcpExtListenDrops"] > 0
    for e in over:
        assert (e["process.pid"], e["process.name"]) == (srv.pid, SERVER), e
        assert e["process.pid"] != cli.pid
        assert (e["destination.ip"], e["destination.port"]) == (pair.b4, port)
        assert e["tcp.state"] == "LISTEN" and e["tcp.listen.backlog"] == 1
        assert e["count"] >= 1


def test_listen_overflow_is_reported_while_the_listener_is_open(pair, netsight_bin, cleanup,
                                                                tmp_path, kernel_path):
    """Overflows at the SYN stage fire no tracepoint: netsight polls each
    listener, and reports them within about a second, not at its close."""
    ns = tcp(cleanup, netsight_bin)
    b0 = pair.b.counters()
    stop_clients = os.path.join(tmp_path, "clients-done")
    port, srv, cli, hold = overflow(pair, cleanup, tmp_path, clients=6,
                                    clients_hold=stop_clients)
    time.sleep(3.5)  # initial SYNs, and their retransmits
    open(stop_clients, "w").close()  # no more SYNs; the listener stays open
    cli.result()
    time.sleep(1)  # a few polls
    b1 = pair.b.counters()
    events, err = ns.events()
    open(hold, "w").close()
    srv.result()
    assert kernel_path in err
    over = ours(events, pair, "listen_overflow")
    delta = counter_delta(b0, b1, "TcpExtListenOverflows")["TcpExtListenOverflows"]
    assert total(over) == delta > 0
    assert {e["process.pid"] for e in over} == {srv.pid}
    for e in over:
        assert (e["destination.ip"], e["destination.port"]) == (pair.b4, port)
        assert e["tcp.listen.backlog"] == 1


def test_overflows_of_a_listener_opened_before_start(pair, netsight_bin, cleanup, tmp_path,
                                                     kernel_path):
    """A listener netsight did not see start: only what it drops from now on
    counts. (Without iter/tcp it is met at its close at the latest, counted
    from its drop count at start, which sock_diag gives.)"""
    hold = os.path.join(tmp_path, "done")
    port = 6107
    srv = peer(cleanup, pair.b, "listen", "--addr", pair.b4, "--port", port, "--backlog", 1,
               "--hold-file", hold, "--name", SERVER, script=TROUBLE)
    early = peer(cleanup, pair.a, "connect-many", "--addr", pair.b4, "--port", port, "--count",
                 4, "--hold-file", hold, "--name", CLIENT, script=TROUBLE)
    time.sleep(1.5)  # drops before netsight starts: not to be counted
    ns = tcp(cleanup, netsight_bin)
    b0 = pair.b.counters()
    late = peer(cleanup, pair.a, "connect-many", "--addr", pair.b4, "--port", port, "--count",
                3, "--hold-file", hold, "--name", CLIENT, script=TROUBLE)
    time.sleep(2.5)
    open(hold, "w").close()
    for p in (srv, early, late):
        p.result()
    settle()
    b1 = pair.b.counters()
    events, err = ns.events()
    assert kernel_path in err
    over = ours(events, pair, "listen_overflow")
    delta = counter_delta(b0, b1, "TcpExtListenOverflows")["TcpExtListenOverflows"]
    assert total(over) == delta > 0
    assert {e["process.pid"] for e in over} == {srv.pid}


def test_a_listener_opened_before_start_is_polled_once_named(pair, netsight_bin, cleanup,
                                                             tmp_path, kernel_path):
    """Without iter/tcp (the fallback path) a listener that was open before
    netsight started is polled from its first SYN-ACK resent: its overflows
    are reported while it is open."""
    hold, stop_clients = os.path.join(tmp_path, "done"), os.path.join(tmp_path, "stop")
    port = 6108
    srv = peer(cleanup, pair.b, "listen", "--addr", pair.b4, "--port", port, "--backlog", 1,
               "--hold-file", hold, "--name", SERVER, script=TROUBLE)
    ns = tcp(cleanup, netsight_bin)
    b0 = pair.b.counters()
    drop_handshake_acks(pair.b, port)
    cli = peer(cleanup, pair.a, "connect-many", "--addr", pair.b4, "--port", port, "--count",
               6, "--hold-file", stop_clients, "--name", CLIENT, script=TROUBLE)
    time.sleep(1.5)  # SYN-ACKs resent: the listener is named
    pair.b.run("nft", "delete", "table", "inet", "nstest")
    time.sleep(2)
    open(stop_clients, "w").close()
    cli.result()
    time.sleep(1)
    b1 = pair.b.counters()
    events, err = ns.events()  # the listener is still open
    open(hold, "w").close()
    srv.result()
    assert kernel_path in err
    assert ours(events, pair, "synack_retransmit")
    over = ours(events, pair, "listen_overflow")
    delta = counter_delta(b0, b1, "TcpExtListenOverflows")["TcpExtListenOverflows"]
    assert total(over) == delta > 0
    assert {e["process.pid"] for e in over} == {srv.pid}


def test_summary_matches_the_event_stream(pair, netsight_bin, cleanup, tmp_path):
    stream = tcp(cleanup, netsight_bin)
    summary = tcp(cleanup, netsight_bin, "--summary")
    b0 = pair.b.counters()
    port, srv, cli, hold = overflow(pair, cleanup, tmp_path)
    time.sleep(4)
    b1 = pair.b.counters()
    open(hold, "w").close()
    srv.result()
    cli.result()
    settle()
    events, _ = stream.events()
    text, err, code = summary.stop()
    assert code == 0, err
    rows = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    # Rows are by remote address and service port. The server's row for its
    # listener has no remote address; it also has one for the client's address,
    # for the queued connections it reset when it closed.
    server_rows = [r for r in rows if r.get("process.pid") == srv.pid
                   and r.get("destination.port") == port and "source.ip" not in r]
    client_rows = [r for r in rows if r.get("process.pid") == cli.pid]
    assert len(server_rows) == 1 and len(client_rows) == 1
    overflows = counter_delta(b0, b1, "TcpExtListenOverflows")["TcpExtListenOverflows"]
    assert server_rows[0]["tcp.listen_overflows"] == overflows
    assert server_rows[0]["network.direction"] == "ingress"
    # The client's row: the server's address and port, whatever its own ports were.
    assert (client_rows[0]["destination.ip"], client_rows[0]["destination.port"]) == \
        (pair.b4, port)
    assert client_rows[0]["network.direction"] == "egress"
    assert "source.port" not in client_rows[0]
    mine = ours(events, pair)
    assert server_rows[0]["tcp.listen_overflows"] == total(
        [e for e in mine if e["event.action"] == "listen_overflow"])
    assert client_rows[0]["tcp.retransmits"] == total(
        [e for e in mine if e["event.action"] == "retransmit" and e.get("process.pid") == cli.pid])
    assert client_rows[0]["count"] == sum(
        client_rows[0][k] for k in ("tcp.retransmits", "tcp.synack_retransmits",
                                    "tcp.resets_received", "tcp.resets_sent",
                                    "tcp.connects_failed", "tcp.listen_overflows"))


def test_events_before_accept_name_the_listener(pair, netsight_bin, cleanup, tmp_path,
                                                 kernel_path):
    """A listener opened before netsight, never accepting: a SYN-ACK it resends
    and a RST that reaches a connection waiting in its queue name its owner,
    on the primary path and where the listener's owner is only seeded."""
    port, hold = 6110, os.path.join(tmp_path, "hold")
    srv = peer(cleanup, pair.b, "listen", "--addr", pair.b4, "--port", port, "--backlog", 8,
               "--hold-file", hold, "--name", SERVER, script=TROUBLE)
    ns = tcp(cleanup, netsight_bin, "--port", port)
    # Queued, then aborted by the client: the RST reaches a connection nobody accepted.
    peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port, "--abort",
         "--name", CLIENT).result()
    # Its handshake's last ACK lost: the listener resends its SYN-ACK.
    drop_handshake_acks(pair.b, port)
    lost = peer(cleanup, pair.a, "connect-many", "--addr", pair.b4, "--port", port,
                "--count", 1, "--hold-file", hold, "--name", CLIENT, script=TROUBLE)
    time.sleep(1.6)
    pair.b.run("nft", "delete", "table", "inet", "nstest")
    open(hold, "w").close()
    lost.result()
    srv.result()
    events, err = ns.events()
    assert kernel_path in err
    on_b = [e for e in events if e["network.netns"] == pair.b.inode()]
    rst = [e for e in on_b if e["event.action"] == "reset_received"]
    synack = [e for e in on_b if e["event.action"] == "synack_retransmit"]
    assert len(rst) == 1 and synack, on_b
    for e in rst + synack:
        assert (e.get("process.pid"), e.get("process.name")) == (srv.pid, SERVER), e
        assert e["network.direction"] == "ingress"
        assert (e["source.ip"], e["destination.port"]) == (pair.a4, port)


def test_event_filter(pair, netsight_bin, cleanup):
    """--event keeps only the events named, in the stream and in the summary."""
    ns = tcp(cleanup, netsight_bin, "--event", "reset_received")
    summary = tcp(cleanup, netsight_bin, "--summary", "--event", "reset_received")
    peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", 6111, "--count", 3,
         "--name", CLIENT).result()
    settle()
    events, _ = ns.events()
    assert [e["event.action"] for e in ours(events, pair)] == ["reset_received"] * 3
    text, err, code = summary.stop()
    assert code == 0, err
    [row] = [r for r in map(json.loads, text.splitlines()) if r.get("destination.port") == 6111]
    assert row["tcp.resets_received"] == 3 == row["count"]
    assert row["tcp.resets_sent"] == 0


@pytest.mark.parametrize("by,keys,rows", [
    # The default: the server's address and port, whatever the clients' ports.
    (None, {"destination.ip", "destination.port"}, 1),
    ("remote,remote-port", {"destination.ip", "destination.port"}, 1),
    ("local-port", {"source.port"}, 3),
    ("process", set(), 1),
])
def test_summary_grouping(pair, netsight_bin, cleanup, by, keys, rows):
    """Three refused connections from one client, grouped as --by says."""
    summary = tcp(cleanup, netsight_bin, "--summary", "--port", 6112,
                  *(["--by", by] if by else []))
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", 6112, "--count", 3,
               "--name", CLIENT)
    cli_pid = cli.result()["pid"]
    settle()
    text, err, code = summary.stop()
    assert code == 0, err
    client = [r for r in map(json.loads, text.splitlines())
              if r.get("process.pid") == cli_pid and r["network.direction"] == "egress"]
    assert len(client) == rows, client
    for r in client:
        assert keys == {k for k in r if k.startswith(("source.", "destination."))}, r
        assert r["process.pid"] == cli_pid
    assert sum(r["tcp.resets_received"] for r in client) == 3


def test_summary_rows_are_per_namespace(pair, netsight_bin, cleanup):
    """The same 127.0.0.1:port in two namespaces is two rows, not one."""
    summary = tcp(cleanup, netsight_bin, "--summary", "--port", 6113)
    for host in (pair.a, pair.b):
        peer(cleanup, host, "client", "--connect", "127.0.0.1", "--port", 6113, "--count", 2,
             "--name", CLIENT).result()
    settle()
    text, err, code = summary.stop()
    assert code == 0, err
    rows = [r for r in map(json.loads, text.splitlines()) if r["network.direction"] == "egress"]
    assert sorted(r["network.netns"] for r in rows) == sorted([pair.a.inode(), pair.b.inode()])
    assert [r["tcp.resets_received"] for r in rows] == [2, 2]
