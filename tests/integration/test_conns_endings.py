# SPDX-License-Identifier: GPL-2.0-only
"""How connections end: resets either way, and connect timeouts."""
import os
import time

from netlab import TROUBLE, counter_delta
from test_conns import CLIENT, SERVER, on_port, peer, settle, start


def closes_by_side(events, port):
    closes = on_port(events, port, "close")
    return ([e for e in closes if e["network.direction"] == "egress"],
            [e for e in closes if e["network.direction"] == "ingress"])


def test_server_abort_is_rst_sent_and_rst_received(pair, netsight_bin, cleanup):
    count, port = 3, 5201
    ns = start(cleanup, netsight_bin)
    b0 = pair.b.counters()
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", port, "--count", count,
               "--expect", 10, "--reply", 20, "--abort", "--name", SERVER)
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
               "--count", count, "--send", 10, "--expect", 20, "--name", CLIENT)
    cli.result()
    srv_pid = srv.result()["pid"]
    settle()
    b1 = pair.b.counters()
    events, _ = ns.events()
    client, server = closes_by_side(events, port)
    assert len(client) == len(server) == count
    assert {e["tcp.close_reason"] for e in client} == {"rst_received"}
    assert {e["tcp.close_reason"] for e in server} == {"rst_sent"}
    assert {e["process.pid"] for e in server} == {srv_pid}
    for e in server:
        assert (e["source.bytes"], e["destination.bytes"]) == (10, 20)
    # SO_LINGER 0 close counts TCPAbortOnData. TcpOutRsts also counts the resets
    # answering late segments from the client after the server's socket is gone.
    delta = counter_delta(b0, b1, "TcpExtTCPAbortOnData", "TcpOutRsts")
    assert delta["TcpExtTCPAbortOnData"] == count
    assert delta["TcpOutRsts"] >= count


def test_client_abort_is_rst_sent_and_rst_received(pair, netsight_bin, cleanup):
    count, port = 2, 5202
    ns = start(cleanup, netsight_bin)
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", port, "--count", count,
               "--expect", 10, "--reply", 20, "--name", SERVER)
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
               "--count", count, "--send", 10, "--expect", 20, "--abort", "--name", CLIENT)
    cli_pid = cli.result()["pid"]
    srv.result()
    settle()
    events, _ = ns.events()
    client, server = closes_by_side(events, port)
    assert len(client) == len(server) == count
    assert {(e["tcp.close_reason"], e["process.pid"]) for e in client} == {("rst_sent", cli_pid)}
    assert {e["tcp.close_reason"] for e in server} == {"rst_received"}


def test_connect_timeout(pair, netsight_bin, cleanup):
    port = 5203
    # One SYN retry: the connect gives up after about 3 s instead of 2 minutes.
    pair.a.run("sysctl", "-qw", "net.ipv4.tcp_syn_retries=1")
    pair.b.run("nft", "-f", "-", input=f"""
        table inet nstest {{
            chain in {{ type filter hook input priority 0; policy accept;
                tcp dport {port} drop
            }}
        }}""")
    ns = start(cleanup, netsight_bin)
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
               "--timeout", 30, "--name", CLIENT)
    res = cli.result()
    settle()
    events, _ = ns.events()
    failed = on_port(events, port, "connect_failed")
    assert len(failed) == 1 and len(res["errors"]) == 1
    assert failed[0]["error.code"] == "ETIMEDOUT"
    assert failed[0]["process.pid"] == res["pid"]


def test_reset_after_shutdown_is_rst_sent(pair, netsight_bin, cleanup):
    """Data reaching a socket shut down both ways: the kernel reports it through
    its reset-received tracepoint, then sends the RST itself."""
    port = 5204
    ns = start(cleanup, netsight_bin)
    b0 = pair.b.counters()
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", port,
               "--shutdown-first", "--name", SERVER)
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
               "--send-after-eof", 100, "--name", CLIENT)
    cli.result()
    srv.result()
    settle()
    b1 = pair.b.counters()
    events, _ = ns.events()
    client, server = closes_by_side(events, port)
    assert counter_delta(b0, b1, "TcpExtTCPAbortOnData")["TcpExtTCPAbortOnData"] == 1
    assert [e["tcp.close_reason"] for e in server] == ["rst_sent"]
    assert [e["tcp.close_reason"] for e in client] == ["rst_received"]


def test_no_local_port_left_is_eaddrnotavail(pair, netsight_bin, cleanup, tmp_path):
    port, hold = 5205, os.path.join(tmp_path, "done")
    pair.a.run("sysctl", "-qw", "net.ipv4.ip_local_port_range=40000 40001")
    ns = start(cleanup, netsight_bin)
    srv = peer(cleanup, pair.b, "listen", "--addr", pair.b4, "--port", port, "--backlog", 16,
               "--hold-file", hold, "--name", SERVER, script=TROUBLE)
    cli = peer(cleanup, pair.a, "connect-many", "--addr", pair.b4, "--port", port,
               "--count", 5, "--hold-file", hold, "--name", CLIENT, script=TROUBLE)
    time.sleep(0.5)
    open(hold, "w").close()
    cli.result()
    srv.result()
    settle()
    events, _ = ns.events()
    failed = on_port(events, port, "connect_failed")
    assert len(failed) == 3  # two ports, five attempts
    assert {e["error.code"] for e in failed} == {"EADDRNOTAVAIL"}
    assert {e["process.pid"] for e in failed} == {cli.pid}
    assert len(on_port(events, port, "connect")) == 2


def test_closes_still_held_at_exit_are_reported(pair, netsight_bin, cleanup, tmp_path,
                                               kernel_path):
    """A connection reset before the server accepts it waits in the accept
    queue for accept(); when netsight stops first, its close is still reported."""
    port, hold = 5206, os.path.join(tmp_path, "done")
    ns = start(cleanup, netsight_bin)
    srv = peer(cleanup, pair.b, "listen", "--addr", pair.b4, "--port", port, "--backlog", 4,
               "--hold-file", hold, "--name", SERVER, script=TROUBLE)
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
               "--abort", "--name", CLIENT)
    cli.result()
    settle()
    events, err = ns.events()
    open(hold, "w").close()
    srv.result()
    assert kernel_path in err
    client, server = closes_by_side(events, port)
    assert [e["tcp.close_reason"] for e in client] == ["rst_sent"]
    assert [(e["tcp.close_reason"], e["process.pid"]) for e in server] == \
        [("rst_received", srv.pid)]
