# SPDX-License-Identifier: GPL-2.0-only
"""netsight latency: histograms built in the kernel from real exchanges
between two network namespaces, with the delays the peers inject."""
import os
import tempfile
import time

from netlab import HANDOFF, REQRESP, Netsight
from test_conns import CLIENT, SERVER, peer, settle


def latency(cleanup, binary, *args):
    ns = Netsight(binary, "latency", "-o", "json", *args)
    cleanup(ns)
    return ns


def rows_of(ns):
    events, _ = ns.events()
    rows = [e for e in events if e["event.action"] == "latency"]
    for r in rows:
        assert r["event.kind"] == "metric"
        assert sum(b["count"] for b in r["histogram.buckets"]) == r["histogram.count"]
        assert r["latency.min_us"] <= r["latency.p50_us"] <= r["latency.p90_us"] \
            <= r["latency.p99_us"] <= r["latency.max_us"]
    return rows


def find(rows, metric, **keys):
    keys = {k.replace("__", "."): v for k, v in keys.items()}
    return [r for r in rows if r["latency.metric"] == metric
            and all(r.get(k) == v for k, v in keys.items())]


def filled(row):
    return [(b["le_us"], b["count"]) for b in row["histogram.buckets"] if b["count"]]


def reqresp(cleanup, ns, role, *args):
    return peer(cleanup, ns, role, *args, script=REQRESP)


def test_response_time_lands_in_the_bucket_of_the_server_delay(pair, netsight_bin, cleanup):
    reqresp(cleanup, pair.b, "server", "--bind", pair.b4, "--port", "5201:20",
            "--port", "5202:80", "--name", SERVER)
    ns = latency(cleanup, netsight_bin, "--by", "destination,port")
    for port, n in ((5201, 10), (5202, 5)):
        reqresp(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
                "--requests", n, "--name", CLIENT).result()
    settle()
    rows = rows_of(ns)
    fast, = find(rows, "response", destination__port=5201, network__direction="egress")
    slow, = find(rows, "response", destination__port=5202, network__direction="egress")
    assert fast["histogram.count"] == 10 and filled(fast) == [(32768, 10)]
    assert 20000 <= fast["latency.min_us"] and 16384 < fast["latency.p50_us"] <= 32768
    assert slow["histogram.count"] == 5 and filled(slow) == [(131072, 5)]
    assert 80000 <= slow["latency.min_us"] and 65536 < slow["latency.p50_us"] <= 131072
    assert 20000 * 10 <= fast["histogram.sum_us"] < 32768 * 10
    # The server's view: its client's think time, in its own rows.
    served, = find(rows, "response", destination__port=5201, network__direction="ingress")
    assert served["histogram.count"] == 9 and served["latency.max_us"] < 20000
    for port in (5201, 5202):
        connect, = find(rows, "connect", destination__port=port)
        assert connect["histogram.count"] == 1 and connect["network.direction"] == "egress"
        assert connect["destination.ip"] == pair.b4 and "source.ip" not in connect
        assert find(rows, "rtt", destination__port=port, network__direction="egress")


def test_connect_through_a_full_accept_queue_takes_the_syn_retransmit(pair, netsight_bin,
                                                                       cleanup):
    """The listener's queue holds one connection and accepts nothing for 0.6 s:
    the next SYN is dropped and sent again after the kernel's 1 s timeout."""
    port = 5203
    reqresp(cleanup, pair.b, "server", "--bind", pair.b4, "--port", f"{port}:0",
            "--backlog", 0, "--accept-after", 0.6, "--name", SERVER)
    ns = latency(cleanup, netsight_bin, "--by", "port")
    reqresp(cleanup, pair.a, "hold", "--connect", pair.b4, "--port", port)
    c = reqresp(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
                "--name", CLIENT).result()
    assert c["connect_s"][0] >= 0.9
    settle()
    connect, = find(rows_of(ns), "connect", destination__port=port)
    assert connect["histogram.count"] == 2
    assert connect["latency.max_us"] >= 1000000
    slow = [(le, n) for le, n in filled(connect) if le >= 1000000]
    assert slow == [(1048576, 1)] or slow == [(2097152, 1)]


def test_groups_beyond_the_limit_are_counted_in_the_other_row(pair, netsight_bin, cleanup):
    ports = [5211, 5212, 5213, 5214]
    reqresp(cleanup, pair.b, "server", "--bind", pair.b4,
            *[a for p in ports for a in ("--port", f"{p}:0")], "--name", SERVER)
    ns = latency(cleanup, netsight_bin, "--by", "port", "--max-groups", 2, "--addr", pair.b4)
    for port in ports:
        reqresp(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
                "--name", CLIENT).result()
    settle()
    rows = rows_of(ns)
    grouped = [r for r in rows if "netsight.group" not in r]
    other = [r for r in rows if r.get("netsight.group") == "other"]
    groups = {(r["destination.port"], r["network.netns"]) for r in grouped}
    assert len(groups) == 2 and other
    # A group that has a place keeps all its rows: each metric, each end.
    for port, netns in groups:
        mine = [r for r in grouped if r["destination.port"] == port]
        metrics = {(r["latency.metric"], r["network.direction"]) for r in mine}
        if port in ports:
            assert {("connect", "egress"), ("response", "egress")} <= metrics
    for r in other:
        assert "destination.port" not in r and "process.pid" not in r
        assert r["network.direction"] in ("egress", "ingress")
    connects = sum(r["histogram.count"] for r in find(rows, "connect")
                   if r.get("destination.port", ports[0]) in ports)
    assert connects == len(ports)
    responses = [r for r in find(rows, "response", network__direction="egress")
                 if r.get("destination.port", ports[0]) in ports]
    assert sum(r["histogram.count"] for r in responses) == len(ports)


def test_a_handed_on_socket_counts_for_its_user(pair, netsight_bin, cleanup):
    """One process connects, its child does the I/O: the child's row."""
    port = 5204
    reqresp(cleanup, pair.b, "server", "--bind", pair.b4, "--port", f"{port}:20",
            "--name", SERVER)
    ns = latency(cleanup, netsight_bin, "--by", "process", "--port", port)
    c = peer(cleanup, pair.a, "connect-child", "--connect", pair.b4, "--port", port,
             "--send", 1, "--expect", 1, "--name", CLIENT, script=HANDOFF).result()
    settle()
    rows = rows_of(ns)
    response, = find(rows, "response", network__direction="egress")
    assert (response["process.pid"], response["process.name"]) == \
        (c["child"], CLIENT[:12] + "-ch")
    assert filled(response) == [(32768, 1)]
    connect, = find(rows, "connect")
    assert connect["process.pid"] == c["pid"]


def test_rtt_and_text_histograms(pair, netsight_bin, cleanup):
    port = 5205
    reqresp(cleanup, pair.b, "server", "--bind", pair.b4, "--port", f"{port}:5",
            "--name", SERVER)
    ns = Netsight(netsight_bin, "latency", "--port", port)
    cleanup(ns)
    reqresp(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
            "--requests", 5, "--connections", 3, "--name", CLIENT).result()
    settle()
    text, err, code = ns.stop()
    assert code == 0, err
    lines = text.splitlines()
    titles = [l for l in lines if " of pid " in l]
    assert any(l.startswith("connect of pid ") and ": 3 samples" in l for l in titles), text
    assert any(l.startswith("response of pid ") and ": 15 samples" in l for l in titles), text
    assert any(l.startswith("rtt of pid ") for l in titles), text
    assert "usecs <=" in text and "|****************************************|" in text
    assert "p50" in titles[0] and "p99" in titles[0]


def test_fast_responses_are_all_counted(pair, netsight_bin, cleanup):
    """Responses faster than 1 ms are timed at most once per ms on a socket;
    the counts still cover every one of them."""
    port = 5206
    reqresp(cleanup, pair.b, "server", "--bind", pair.b4, "--port", f"{port}:0",
            "--name", SERVER)
    ns = latency(cleanup, netsight_bin, "--by", "port")
    reqresp(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
            "--requests", 300, "--connections", 2, "--name", CLIENT).result()
    settle()
    rows = rows_of(ns)
    client, = find(rows, "response", destination__port=port, network__direction="egress")
    server, = find(rows, "response", destination__port=port, network__direction="ingress")
    assert client["histogram.count"] == 600
    assert server["histogram.count"] == 2 * 299
    assert client["latency.max_us"] < 1000000


def test_interval_tables_add_up_to_the_total(pair, netsight_bin, cleanup):
    port = 5207
    reqresp(cleanup, pair.b, "server", "--bind", pair.b4, "--port", f"{port}:30",
            "--name", SERVER)
    ns = latency(cleanup, netsight_bin, "--by", "port", "--interval", 1)
    reqresp(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
            "--requests", 60, "--name", CLIENT).result()
    time.sleep(1.2)
    rows = find(rows_of(ns), "response", destination__port=port, network__direction="egress")
    intervals = [r for r in rows if r["summary.scope"] == "interval"]
    total, = [r for r in rows if r["summary.scope"] == "total"]
    assert len(intervals) >= 2
    assert sum(r["histogram.count"] for r in intervals) == total["histogram.count"] == 60
    assert filled(total) == [(32768, 60)]
