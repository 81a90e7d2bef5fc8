# SPDX-License-Identifier: GPL-2.0-only
"""Field cases where a tool can disagree with the kernel, each with its
variants, compared with the kernel's own counters or with what the
application itself saw:
  1. retransmission attempts that failed before anything was sent;
  2. listener drops that are no overflow;
  3. aborts out of a half-closed or closing state;
  4. connects refused by ICMP errors the application reads itself;
  5. the simultaneous-open handshake (a socket connecting to itself);
  6. processes that exec() while holding sockets."""
import os
import time

import pytest

from netlab import HERE, Netsight, counter_delta
from test_conns import CLIENT, SERVER, on_port, peer, settle
from test_tcp import ours, total

FIELD = os.path.join(HERE, "peers", "field.py")
TROUBLE = os.path.join(HERE, "peers", "trouble.py")


def trace(cleanup, binary, *args):
    ns = Netsight(binary, *args, "-o", "json")
    cleanup(ns)
    return ns


def nft(ns, rules):
    ns.run("nft", "-f", "-", input=f"""
table inet nstest {{
  chain in {{
    type filter hook input priority 0; policy accept;
    {rules.get("in", "")}
  }}
  chain out {{
    type filter hook output priority 0; policy accept;
    {rules.get("out", "")}
  }}
}}
""")


def summary_rows(text):
    import json
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


# 1. Failed retransmission attempts -----------------------------------------

def test_failed_retransmission_attempts_are_not_retransmits(pair, netsight_bin, cleanup):
    """B drops A's data, then A has no route to B for a while: A's retransmit
    attempts fail before anything is sent (EHOSTUNREACH) and TcpRetransSegs
    does not count them; then the data gets through."""
    port = 6301
    events = trace(cleanup, netsight_bin, "tcp")
    summary = trace(cleanup, netsight_bin, "tcp", "--summary")
    conns = trace(cleanup, netsight_bin, "conns")
    a0 = pair.a.counters()
    nft(pair.b, {"in": f"ip saddr {pair.a4} tcp dport {port} ip length > 100 drop"})
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", port, "--expect", 300,
               "--reply", 300, "--name", SERVER)
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port, "--send", 300,
               "--expect", 300, "--name", CLIENT)
    time.sleep(1.5)  # a few retransmissions, dropped by B
    pair.a.ip("route", "add", "unreachable", f"{pair.b4}/32")
    time.sleep(6)  # attempts fail: no route
    pair.a.ip("route", "del", "unreachable", f"{pair.b4}/32")
    pair.b.run("nft", "delete", "table", "inet", "nstest")
    cli_pid = cli.result(timeout=90)["pid"]
    srv.result()
    time.sleep(1)
    a1 = pair.a.counters()
    retrans = counter_delta(a0, a1, "TcpRetransSegs")["TcpRetransSegs"]
    evs, _ = events.events()
    mine = [e for e in ours(evs, pair) if e.get("process.pid") == cli_pid]
    sent = [e for e in mine if e["event.action"] == "retransmit"]
    failed = [e for e in mine if e["event.action"] == "retransmit_failed"]
    assert total(sent) == retrans > 0
    assert failed and {e["error.code"] for e in failed} == {"EHOSTUNREACH"}
    assert all("error.code" not in e for e in sent)
    text, err, code = summary.stop()
    assert code == 0, err
    [row] = [r for r in summary_rows(text) if r.get("process.pid") == cli_pid]
    assert row["tcp.retransmits"] == retrans
    assert row["tcp.retransmits_failed"] == total(failed)
    closes, _ = conns.events()
    [close] = [e for e in on_port(closes, port, "close") if e.get("process.pid") == cli_pid]
    assert close["tcp.retransmits"] == retrans


def test_retransmissions_dropped_by_the_senders_qdisc_count(pair, netsight_bin, cleanup):
    """A shaping qdisc drops segments after the kernel counted them as
    retransmitted (the attempt fails with ENOBUFS): they count, as in
    TcpRetransSegs."""
    port = 6304
    pair.a.run("tc", "qdisc", "add", "dev", pair.dev_a, "root", "tbf", "rate", "4mbit",
               "burst", "8kb", "limit", "10kb")
    events = trace(cleanup, netsight_bin, "tcp")
    a0 = pair.a.counters()
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", port,
               "--expect", 1500000, "--reply", 1, "--name", SERVER)
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
               "--send", 1500000, "--expect", 1, "--name", CLIENT)
    cli_pid = cli.result(timeout=90)["pid"]
    srv.result()
    time.sleep(1)
    a1 = pair.a.counters()
    evs, _ = events.events()
    sent = [e for e in ours(evs, pair, "retransmit") if e.get("process.pid") == cli_pid]
    delta = counter_delta(a0, a1, "TcpRetransSegs")["TcpRetransSegs"]
    assert total(sent) == delta > 0
    # The qdisc's NET_XMIT_DROP, named as send() would name it.
    assert {e.get("error.code") for e in sent} == {None, "ENOBUFS"}


# 2. Listener drops that are no overflow -------------------------------------

def test_retransmitted_syns_for_a_pending_request_are_no_overflow(pair, netsight_bin,
                                                                 cleanup):
    """B's SYN-ACKs are lost for a while: A retransmits its SYN, which B drops
    as a duplicate of the pending request (the listener's drop count rises),
    but the listener (backlog 128, accepting) never overflows."""
    port = 6302
    events = trace(cleanup, netsight_bin, "tcp")
    summary = trace(cleanup, netsight_bin, "tcp", "--summary")
    b0 = pair.b.counters()
    nft(pair.b, {"out": f"tcp sport {port} tcp flags & (syn | ack) == syn | ack drop"})
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", port, "--expect", 10,
               "--reply", 10, "--name", SERVER)
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port, "--send", 10,
               "--expect", 10, "--timeout", 30, "--name", CLIENT)
    time.sleep(4)
    pair.b.run("nft", "delete", "table", "inet", "nstest")
    assert cli.result(timeout=60)["errors"] == []
    srv.result()
    settle()
    b1 = pair.b.counters()
    delta = counter_delta(b0, b1, "TcpExtListenOverflows", "TcpExtListenDrops")
    assert delta == {"TcpExtListenOverflows": 0, "TcpExtListenDrops": 0}
    evs, _ = events.events()
    assert ours(evs, pair, "listen_overflow") == []
    assert ours(evs, pair, "synack_retransmit")  # the scenario happened
    text, err, code = summary.stop()
    assert code == 0, err
    assert all(r["tcp.listen_overflows"] == 0 for r in summary_rows(text))


def test_ack_stage_overflows_count_once(pair, netsight_bin, cleanup, tmp_path):
    """Handshakes that complete while the accept queue is full overflow at the
    ACK stage, which the kernel counts once but adds to the listener's drop
    count twice."""
    port, base = 6303, 41001
    hold = os.path.join(tmp_path, "done")
    pair.b.run("sysctl", "-qw", "net.ipv4.tcp_syncookies=0")
    events = trace(cleanup, netsight_bin, "tcp")
    b0 = pair.b.counters()
    nft(pair.b, {"in": f"tcp sport {base}-{base + 3} tcp dport {port} "
                       "tcp flags == ack ip length 52 drop"})
    srv = peer(cleanup, pair.b, "listen", "--addr", pair.b4, "--port", port, "--backlog", 8,
               "--hold-file", hold, "--name", SERVER, script=TROUBLE)
    held = peer(cleanup, pair.a, "connect-many", "--addr", pair.b4, "--port", port,
                "--count", 4, "--source-port", base, "--hold-file", hold, "--name", CLIENT,
                script=TROUBLE)
    time.sleep(0.3)
    fill = peer(cleanup, pair.a, "connect-many", "--addr", pair.b4, "--port", port,
                "--count", 9, "--hold-file", hold, "--name", CLIENT, script=TROUBLE)
    time.sleep(0.8)
    pair.b.run("nft", "delete", "table", "inet", "nstest")
    time.sleep(4)  # SYN-ACK retransmits draw the held ACKs into the full queue
    b1 = pair.b.counters()
    time.sleep(0.5)
    evs, _ = events.events()
    open(hold, "w").close()
    for p in (srv, held, fill):
        p.result()
    delta = counter_delta(b0, b1, "TcpExtListenOverflows")["TcpExtListenOverflows"]
    over = ours(evs, pair, "listen_overflow")
    assert total(over) == delta > 0
    assert {e["process.pid"] for e in over} == {srv.pid}


# 3. Aborts out of a half-closed or closing state ----------------------------

MODES = ["unread", "linger", "graceful", "close-wait", "late-data"]


@pytest.mark.parametrize("mode,server_end,counter", [
    ("unread", "rst_sent", "TcpExtTCPAbortOnClose"),
    ("linger", "rst_sent", None),
    ("graceful", "fin", None),
    ("close-wait", "rst_sent", "TcpExtTCPAbortOnClose"),
])
def test_how_a_half_closed_connection_ends(pair, netsight_bin, cleanup, mode, server_end,
                                           counter):
    port = 6310 + MODES.index(mode)
    conns = trace(cleanup, netsight_bin, "conns")
    tcp = trace(cleanup, netsight_bin, "tcp")
    b0 = pair.b.counters()
    srv = peer(cleanup, pair.b, "half-close-server", "--bind", pair.b4, "--port", port,
               "--mode", mode, "--name", SERVER, script=FIELD)
    cli = peer(cleanup, pair.a, "half-close-client", "--connect", pair.b4, "--port", port,
               "--mode", mode, "--name", CLIENT, script=FIELD)
    srv.result()
    cli.result()
    time.sleep(1)
    b1 = pair.b.counters()
    closes, _ = conns.events()
    resets, _ = tcp.events()
    [server] = [e for e in on_port(closes, port, "close") if e.get("process.pid") == srv.pid]
    assert server["tcp.close_reason"] == server_end, server
    sent = [e for e in ours(resets, pair, "reset_sent") if e.get("process.pid") == srv.pid]
    assert len(sent) == counter_delta(b0, b1, "TcpOutRsts")["TcpOutRsts"]
    assert (server_end == "rst_sent") == bool(sent)
    if counter:
        assert counter_delta(b0, b1, counter)[counter] == 1
        assert {e["tcp.reset_reason"] for e in sent} == {"TCP_ABORT_ON_CLOSE"}


def test_late_data_after_close_draws_a_reset_named_for_its_owner(pair, netsight_bin,
                                                                   cleanup):
    """The client closed while the server still had data to send: the
    client's time-wait socket answers that data with a RST, which netsight
    names after the client; the client's own end was a FIN."""
    port = 6310 + MODES.index("late-data")
    conns = trace(cleanup, netsight_bin, "conns")
    tcp = trace(cleanup, netsight_bin, "tcp")
    a0 = pair.a.counters()
    srv = peer(cleanup, pair.b, "half-close-server", "--bind", pair.b4, "--port", port,
               "--mode", "late-data", "--name", SERVER, script=FIELD)
    cli = peer(cleanup, pair.a, "half-close-client", "--connect", pair.b4, "--port", port,
               "--mode", "late-data", "--name", CLIENT, script=FIELD)
    srv.result()
    cli.result()
    settle()
    a1 = pair.a.counters()
    closes, _ = conns.events()
    resets, _ = tcp.events()
    [client] = [e for e in on_port(closes, port, "close") if e.get("process.pid") == cli.pid]
    assert client["tcp.close_reason"] == "fin"
    sent = [e for e in ours(resets, pair, "reset_sent") if e["source.ip"] == pair.a4]
    assert len(sent) == counter_delta(a0, a1, "TcpOutRsts")["TcpOutRsts"] >= 1
    assert {(e["process.pid"], e["process.name"], e["tcp.reset_reason"]) for e in sent} == \
        {(cli.pid, CLIENT, "TCP_TIMEWAIT_SOCKET")}


# 4. Connects refused by ICMP -------------------------------------------------

REJECTS = {6321: "port-unreachable", 6322: "host-unreachable", 6323: "admin-prohibited",
           6324: "net-unreachable"}


REJECTS6 = {6325: "port-unreachable", 6326: "addr-unreachable", 6327: "admin-prohibited",
            6328: "no-route"}
# What the kernel makes of each (icmp_err_convert[], icmpv6_err_convert()).
KERNEL_ERRORS = {6321: "ECONNREFUSED", 6322: "EHOSTUNREACH", 6323: "EHOSTUNREACH",
                 6324: "ENETUNREACH", 6325: "ECONNREFUSED", 6326: "EHOSTUNREACH",
                 6327: "EACCES", 6328: "ENETUNREACH"}


@pytest.mark.parametrize("mode,ipv6", [("poll", False), ("blocking", False), ("unread", False),
                                       ("poll", True), ("blocking", True)])
def test_icmp_refused_connects_report_what_the_application_saw(pair, netsight_bin, cleanup,
                                                               mode, ipv6):
    """Unread is IPv4 only: on a fresh IPv6 path the first ICMPv6 error is
    counted in Icmp6InErrors and never reaches the socket (measured here), so
    an unread connect has no error to report there."""
    rejects, proto, addr = (REJECTS6, "ip6 nexthdr tcp", pair.b6) if ipv6 else \
        (REJECTS, "ip protocol tcp", pair.b4)
    icmp = "icmpv6" if ipv6 else "icmp"
    rules = "\n    ".join(f"{proto} tcp dport {port} reject with {icmp} type {kind}"
                          for port, kind in rejects.items())
    nft(pair.b, {"in": rules})
    conns = trace(cleanup, netsight_bin, "conns")
    cli = peer(cleanup, pair.a, "icmp-connect", "--connect", addr, "--ports",
               ",".join(map(str, rejects)), "--mode", mode, "--name", CLIENT, script=FIELD)
    seen = cli.result(timeout=60)["errors"]
    settle()
    events, _ = conns.events()
    for port in rejects:
        [failed] = on_port(events, port, "connect_failed")
        # Unread: the application never asked; the kernel kept the ICMP's error.
        want = KERNEL_ERRORS[port] if mode == "unread" else seen[str(port)]
        assert want, (port, seen)
        assert failed["error.code"] == want, (port, failed, seen)
        assert failed["process.pid"] == cli.pid


# 5. Simultaneous open ---------------------------------------------------------

def test_a_socket_connected_to_itself_has_a_connect(netns, netsight_bin, cleanup):
    port = 6331
    conns = trace(cleanup, netsight_bin, "conns")
    p = peer(cleanup, netns, "self-connect", "--port", port, "--name", CLIENT, script=FIELD)
    p.result()
    settle()
    events, _ = conns.events()
    mine = [e for e in on_port(events, port) if e.get("process.pid") == p.pid]
    assert [e["event.action"] for e in mine] == ["connect", "close"]
    close = mine[1]
    assert (close["source.bytes"], close["destination.bytes"]) == (3, 3)
    assert close["tcp.close_reason"] == "fin"
    assert close["network.direction"] == "egress"
    assert mine[0]["source.port"] == mine[0]["destination.port"] == port


# 6. exec() ----------------------------------------------------------------------

def test_a_connection_closed_by_exit_after_exec_names_the_new_program(pair, netsight_bin,
                                                                       cleanup):
    port = 6343
    conns = trace(cleanup, netsight_bin, "conns")
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", port, "--expect", 10,
               "--reply", 10, "--name", SERVER)
    cli = peer(cleanup, pair.a, "exec-client", "--connect", pair.b4, "--port", port,
               "--name", "nsx-wrapper", "--name-after", "nsx-after", "--leave-open",
               script=FIELD)
    cli.result()
    srv.result()
    settle()
    events, _ = conns.events()
    [close] = [e for e in on_port(events, port, "close") if e.get("process.pid") == cli.pid]
    assert close["process.name"] == "nsx-after"


def test_events_after_exec_name_the_new_program(pair, netsight_bin, cleanup, tmp_path):
    port, lport = 6341, 6342
    hold = os.path.join(tmp_path, "done")
    conns = trace(cleanup, netsight_bin, "conns")
    tcp = trace(cleanup, netsight_bin, "tcp")
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", port, "--expect", 10,
               "--reply", 10, "--name", SERVER)
    cli = peer(cleanup, pair.a, "exec-client", "--connect", pair.b4, "--port", port,
               "--name", "nsx-wrapper", "--name-after", "nsx-after", script=FIELD)
    lst = peer(cleanup, pair.b, "exec-listener", "--bind", pair.b4, "--port", lport,
               "--name", "nsx-wrapper", "--name-after", "nsx-after-srv", "--hold-file", hold,
               script=FIELD)
    over = peer(cleanup, pair.a, "connect-many", "--addr", pair.b4, "--port", lport,
                "--count", 4, "--hold-file", hold, "--name", CLIENT, script=TROUBLE)
    assert cli.result()["pid"] == cli.pid
    srv.result()
    time.sleep(2.5)
    open(hold, "w").close()
    lst.result()
    over.result()
    settle()
    events, _ = conns.events()
    [close] = [e for e in on_port(events, port, "close") if e.get("process.pid") == cli.pid]
    assert close["process.name"] == "nsx-after"
    [connect] = [e for e in on_port(events, port, "connect") if e.get("process.pid") == cli.pid]
    assert connect["process.name"] == "nsx-wrapper"  # it was, when it connected
    overflows = ours(tcp.events()[0], pair, "listen_overflow")
    assert overflows and {(e["process.pid"], e["process.name"]) for e in overflows} == \
        {(lst.pid, "nsx-after-srv")}
