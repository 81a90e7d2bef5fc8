# SPDX-License-Identifier: GPL-2.0-only
"""Filters: each keeps exactly the matching events of known traffic."""
import os

import pytest

from netlab import unique
from test_conns import CLIENT, SERVER, on_port, peer, settle, start

COUNT = 4


class Traffic:
    """A server and a client waiting for the go, so netsight can start in between."""

    def __init__(self, cleanup, srv_ns, cli_ns, addr, port, tmp):
        self.go = os.path.join(tmp, f"go-{port}")
        self.srv = peer(cleanup, srv_ns, "server", "--bind", addr, "--port", port,
                        "--count", COUNT, "--expect", 3, "--reply", 4, "--name", SERVER)
        self.cli = peer(cleanup, cli_ns, "client", "--connect", addr, "--port", port,
                        "--count", COUNT, "--send", 3, "--expect", 4, "--start-file",
                        self.go, "--name", CLIENT)

    def run(self):
        open(self.go, "w").close()
        self.cli.result()
        self.srv.result()


def traced(cleanup, netsight_bin, traffic, *args):
    ns = start(cleanup, netsight_bin, *args)
    for t in traffic:
        t.run()
    settle()
    events, _ = ns.events()
    return events


def test_pid(pair, netsight_bin, cleanup, tmp_path):
    t = Traffic(cleanup, pair.b, pair.a, pair.b4, 5301, tmp_path)
    events = traced(cleanup, netsight_bin, [t], "--pid", t.cli.pid)
    assert events and {e["process.pid"] for e in events} == {t.cli.pid}
    assert len(on_port(events, 5301, "connect")) == COUNT
    assert len(on_port(events, 5301, "close")) == COUNT
    assert on_port(events, 5301, "accept") == []


def test_several_pids(pair, netsight_bin, cleanup, tmp_path):
    t = Traffic(cleanup, pair.b, pair.a, pair.b4, 5302, tmp_path)
    events = traced(cleanup, netsight_bin, [t], "-p", t.cli.pid, "-p", t.srv.pid)
    assert {e["process.pid"] for e in events} == {t.cli.pid, t.srv.pid}
    assert len(on_port(events, 5302)) == 4 * COUNT


def test_comm(pair, netsight_bin, cleanup, tmp_path):
    t = Traffic(cleanup, pair.b, pair.a, pair.b4, 5303, tmp_path)
    events = traced(cleanup, netsight_bin, [t], "--comm", SERVER)
    assert {(e["process.name"], e["network.direction"]) for e in events} == {(SERVER, "ingress")}
    assert len(on_port(events, 5303, "accept")) == COUNT
    assert len(on_port(events, 5303, "close")) == COUNT


def test_port(pair, netsight_bin, cleanup, tmp_path):
    t1 = Traffic(cleanup, pair.b, pair.a, pair.b4, 5304, tmp_path)
    t2 = Traffic(cleanup, pair.b, pair.a, pair.b4, 5305, tmp_path)
    events = traced(cleanup, netsight_bin, [t1, t2], "--port", "5305")
    assert len(events) == 4 * COUNT
    assert all(e["destination.port"] == 5305 for e in events)


@pytest.mark.parametrize("flag,family", [("-4", "ipv4"), ("-6", "ipv6")])
def test_address_family(pair, netsight_bin, cleanup, tmp_path, flag, family):
    t4 = Traffic(cleanup, pair.b, pair.a, pair.b4, 5306, tmp_path)
    t6 = Traffic(cleanup, pair.b, pair.a, pair.b6, 5307, tmp_path)
    events = traced(cleanup, netsight_bin, [t4, t6], flag)
    mine = on_port(events, 5306) + on_port(events, 5307)
    assert len(mine) == 4 * COUNT
    assert {e["network.type"] for e in events} == {family}


def cgroup2_root():
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ")
            if right.startswith("cgroup2 "):
                return left.split()[4]
    pytest.fail("cgroup v2 is not mounted")


def test_cgroup(pair, netsight_bin, cleanup, tmp_path):
    path = os.path.join(cgroup2_root(), unique("netsight-test-"))
    os.mkdir(path)
    try:
        t = Traffic(cleanup, pair.b, pair.a, pair.b4, 5308, tmp_path)
        with open(os.path.join(path, "cgroup.procs"), "w") as f:
            f.write(str(t.cli.pid))
        events = traced(cleanup, netsight_bin, [t], "--cgroup", path)
    finally:
        os.rmdir(path)
    assert events and {e["process.pid"] for e in events} == {t.cli.pid}
    assert len(events) == 2 * COUNT
    assert len({e["cgroup.id"] for e in events}) == 1 and events[0]["cgroup.id"] > 1


def test_repeated_ports_accumulate(pair, netsight_bin, cleanup, tmp_path):
    """--port A --port B keeps both, not only the last."""
    ts = [Traffic(cleanup, pair.b, pair.a, pair.b4, port, tmp_path)
          for port in (5309, 5310, 5311)]
    events = traced(cleanup, netsight_bin, ts, "--port", "5309", "--port", "5310")
    assert len(on_port(events, 5309)) == len(on_port(events, 5310)) == 4 * COUNT
    assert on_port(events, 5311) == []


def test_local_and_remote_port(pair, netsight_bin, cleanup, tmp_path):
    """The server's port is local to the server and remote to the client."""
    t = Traffic(cleanup, pair.b, pair.a, pair.b4, 5312, tmp_path)
    server_side = traced(cleanup, netsight_bin, [t], "--local-port", "5312")
    assert {e["process.name"] for e in server_side} == {SERVER}
    assert len(server_side) == 2 * COUNT
    t = Traffic(cleanup, pair.b, pair.a, pair.b4, 5313, tmp_path)
    client_side = traced(cleanup, netsight_bin, [t], "--remote-port", "5313")
    assert {e["process.name"] for e in client_side} == {CLIENT}
    assert len(client_side) == 2 * COUNT


@pytest.mark.parametrize("filters, server, client", [
    (["--local-port", "{p}", "--remote-port", "{p}"], 0, 0),
    (["--port", "{p}", "--local-port", "{p}"], 2, 0),
    (["--port", "{p}", "--remote-port", "{p}"], 0, 2),
    (["--local-port", "{p}", "--local-port", "{q}"], 2, 0),
], ids=["local-and-remote", "either-and-local", "either-and-remote", "local-or-local"])
def test_different_port_filters_must_all_match(pair, netsight_bin, cleanup, tmp_path, filters,
                                               server, client):
    """Ports given to one option are alternatives; each option given must match."""
    p, q = 5317, 5318
    t = Traffic(cleanup, pair.b, pair.a, pair.b4, p, tmp_path)
    events = traced(cleanup, netsight_bin, [t], *[f.format(p=p, q=q) for f in filters])
    names = [e["process.name"] for e in events]
    assert names.count(SERVER) == server * COUNT and names.count(CLIENT) == client * COUNT
    assert len(events) == (server + client) * COUNT


@pytest.mark.parametrize("which", ["ipv4", "ipv6"])
def test_addr(pair, netsight_bin, cleanup, tmp_path, which):
    """--addr keeps connections with an end in the range, v4 or v6, and repeats add up."""
    t4 = Traffic(cleanup, pair.b, pair.a, pair.b4, 5314, tmp_path)
    t6 = Traffic(cleanup, pair.b, pair.a, pair.b6, 5315, tmp_path)
    lo = Traffic(cleanup, pair.a, pair.a, "127.0.0.1", 5316, tmp_path)
    net = pair.b4.rsplit(".", 1)[0] + ".0/24" if which == "ipv4" else \
        pair.b6.rsplit(":", 1)[0] + ":/64"
    events = traced(cleanup, netsight_bin, [t4, t6, lo], "--addr", net)
    port = 5314 if which == "ipv4" else 5315
    assert len(events) == len(on_port(events, port)) == 4 * COUNT
    both = traced(cleanup, netsight_bin,
                  [Traffic(cleanup, pair.b, pair.a, pair.b4, 5317, tmp_path),
                   Traffic(cleanup, pair.a, pair.a, "127.0.0.1", 5318, tmp_path)],
                  "--addr", pair.b4, "--addr", "127.0.0.0/8")
    assert len(on_port(both, 5317)) == len(on_port(both, 5318)) == 4 * COUNT


def test_event(pair, netsight_bin, cleanup, tmp_path):
    t = Traffic(cleanup, pair.b, pair.a, pair.b4, 5319, tmp_path)
    events = traced(cleanup, netsight_bin, [t], "--event", "accept", "--event", "connect")
    assert sorted(e["event.action"] for e in on_port(events, 5319)) == \
        ["accept"] * COUNT + ["connect"] * COUNT
    assert {e["event.action"] for e in events} <= {"accept", "connect"}


def test_repeated_comms(pair, netsight_bin, cleanup, tmp_path):
    t = Traffic(cleanup, pair.b, pair.a, pair.b4, 5320, tmp_path)
    events = traced(cleanup, netsight_bin, [t], "-c", SERVER, "-c", CLIENT, "-c", "nobody")
    assert len(on_port(events, 5320)) == 4 * COUNT
    assert {e["process.name"] for e in events} == {SERVER, CLIENT}
