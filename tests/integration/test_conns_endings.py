# SPDX-License-Identifier: GPL-2.0-only
"""How connections end: resets either way, and connect timeouts."""
from netlab import counter_delta
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
    assert failed[0]["error"] == "ETIMEDOUT"
    assert failed[0]["process.pid"] == res["pid"]
