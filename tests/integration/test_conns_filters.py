# SPDX-License-Identifier: GPL-2.0-only
"""Filters: each keeps exactly the matching events of known traffic."""
import os
import tempfile

import pytest

from netlab import run, unique
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
