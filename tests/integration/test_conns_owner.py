# SPDX-License-Identifier: GPL-2.0-only
"""Who owns a connection: connect and accept name the process that called
connect() or accept(); later events name the socket's user, the process that
last sent or received on it (with the caller as process.opener when they
differ), across fork, SCM_RIGHTS, workers sharing a listener, and for
connections open before netsight started. The caller of accept() is known
when accept() asks for the peer's address; otherwise the socket's first user
is."""
import json
import os
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import require
from netlab import HANDOFF, Netsight
from test_conns import CLIENT, SERVER, on_port, peer, settle, start


def test_fork_after_accept_names_the_child_that_serves(pair, netsight_bin, cleanup):
    """The parent accepts and hands the socket to a child that does the I/O:
    accept names the parent, the close the child, with the parent as opener."""
    count, port = 4, 5101
    ns = start(cleanup, netsight_bin)
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", port, "--count", count,
               "--expect", 50, "--reply", 60, "--mode", "fork-after-accept", "--name", SERVER)
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
               "--count", count, "--send", 50, "--expect", 60, "--name", CLIENT)
    cli_pid, s = cli.result()["pid"], srv.result()
    settle()
    events, _ = ns.events()
    server_side = [e for e in on_port(events, port) if e["network.direction"] == "ingress"]
    assert len(server_side) == 2 * count
    children = set(s["children"])
    assert len(children) == count
    accepts = [e for e in server_side if e["event.action"] == "accept"]
    closes = [e for e in server_side if e["event.action"] == "close"]
    assert {(e["process.pid"], e["process.name"]) for e in accepts} == {(s["pid"], SERVER)}
    assert all("process.opener.pid" not in e for e in accepts)
    assert {e["process.pid"] for e in closes} == children
    for e in closes:
        assert e["process.name"] == SERVER[:12] + "-ch"
        assert (e["process.opener.pid"], e["process.opener.name"]) == (s["pid"], SERVER)
    client_side = [e for e in on_port(events, port) if e["network.direction"] == "egress"]
    assert {e["process.pid"] for e in client_side} == {cli_pid}
    assert all("process.opener.pid" not in e for e in client_side)
    for e in on_port(events, port, "close"):
        assert e["source.bytes"] == 50 and e["destination.bytes"] == 60


def handoff(cleanup, ns, role, *args):
    return peer(cleanup, ns, role, *args, script=HANDOFF)


@pytest.mark.parametrize("role", ["connect-child", "scm-rights"])
def test_a_socket_handed_on_is_its_users(pair, netsight_bin, cleanup, role):
    """One process connects, another does all the I/O (a child after fork(),
    or a process the socket was passed to over SCM_RIGHTS): connect names the
    caller of connect(), the close names the user, with the caller as opener."""
    port = 5105 if role == "connect-child" else 5106
    ns = start(cleanup, netsight_bin)
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", port, "--count", 1,
               "--expect", 70, "--reply", 80, "--name", SERVER)
    cli = handoff(cleanup, pair.a, role, "--connect", pair.b4, "--port", port,
                  "--send", 70, "--expect", 80, "--name", CLIENT)
    c = cli.result()
    srv.result()
    settle()
    events, _ = ns.events()
    mine = [e for e in on_port(events, port) if e["network.direction"] == "egress"]
    assert sorted(e["event.action"] for e in mine) == ["close", "connect"]
    connect, = [e for e in mine if e["event.action"] == "connect"]
    close, = [e for e in mine if e["event.action"] == "close"]
    assert (connect["process.pid"], connect["process.name"]) == (c["pid"], CLIENT)
    assert "process.opener.pid" not in connect
    assert (close["process.pid"], close["process.name"]) == (c["child"], CLIENT[:12] + "-ch")
    assert (close["process.opener.pid"], close["process.opener.name"]) == (c["pid"], CLIENT)
    assert close["source.bytes"] == 70 and close["destination.bytes"] == 80


def test_pid_filter_selects_the_process_that_serves(pair, netsight_bin, cleanup):
    """A session accepted and handed to a child before netsight starts: -p with
    the child's pid (the pid an operator finds in pg_stat_activity) selects
    it, and nothing names the parent."""
    port = 5107
    with tempfile.TemporaryDirectory() as tmp:
        go, pid_file = os.path.join(tmp, "go"), os.path.join(tmp, "child")
        srv = handoff(cleanup, pair.b, "accept-fork", "--bind", pair.b4, "--port", port,
                      "--expect", 9, "--reply", 11, "--name", SERVER, "--go-file", go,
                      "--pid-file", pid_file)
        cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
                   "--count", 1, "--send", 9, "--expect", 11, "--name", CLIENT)
        deadline = time.monotonic() + 10
        while not os.path.exists(pid_file) and time.monotonic() < deadline:
            time.sleep(0.02)
        with open(pid_file) as f:
            child = int(f.read())
        ns = start(cleanup, netsight_bin, "-p", child)
        open(go, "w").close()
        cli.result()
        s = srv.result()
    assert s["child"] == child
    settle()
    events, _ = ns.events()
    assert [e["event.action"] for e in on_port(events, port)] == ["close"]
    close = events[0]
    assert (close["process.pid"], close["process.name"]) == (child, SERVER[:12] + "-ch")
    assert close["network.direction"] == "ingress"
    assert close["source.bytes"] == 9 and close["destination.bytes"] == 11
    assert s["pid"] not in {e.get("process.pid") for e in events}

def test_prefork_workers_own_what_they_accept(pair, netsight_bin, cleanup):
    """The parent listens; forked workers accept. Each connection is its worker's."""
    count, port = 6, 5102
    ns = start(cleanup, netsight_bin)
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", port, "--count", count,
               "--expect", 5, "--reply", 7, "--mode", "prefork", "--workers", 2,
               "--name", SERVER)
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
               "--count", count, "--send", 5, "--expect", 7, "--name", CLIENT)
    cli.result()
    s = srv.result()
    settle()
    events, _ = ns.events()
    workers = set(s["children"])
    accepts = on_port(events, port, "accept")
    assert len(accepts) == count
    server_closes = [e for e in on_port(events, port, "close")
                     if e["network.direction"] == "ingress"]
    assert len(server_closes) == count
    by_port = {e["source.port"]: e["process.pid"] for e in accepts}
    for e in accepts + server_closes:
        assert e["process.pid"] in workers, e
        assert e["process.name"].startswith(SERVER[:12] + "-w"), e
    for e in server_closes:
        assert e["process.pid"] == by_port[e["source.port"]], e
    assert s["pid"] not in {e["process.pid"] for e in accepts + server_closes}


def test_connections_open_before_start_are_reported_on_close(pair, netsight_bin, cleanup,
                                                             kernel_path):
    send, reply, port = 3000, 4000, 5103
    with tempfile.TemporaryDirectory() as tmp:
        hold = os.path.join(tmp, "close-now")
        srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", port,
                   "--expect", send, "--reply", reply, "--name", SERVER)
        cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
                   "--send", send, "--expect", reply, "--hold-file", hold, "--name", CLIENT)
        time.sleep(0.5)  # the exchange is done; both sockets stay open
        started = time.monotonic()
        ns = start(cleanup, netsight_bin)
        time.sleep(0.2)
        open(hold, "w").close()
        cli_pid, srv_pid = cli.result()["pid"], srv.result()["pid"]
        settle()
        events, err = ns.events()
    assert kernel_path in err
    assert on_port(events, port, "connect") == on_port(events, port, "accept") == []
    closes = on_port(events, port, "close")
    assert len(closes) == 2
    owners = {e["network.direction"]: (e["process.pid"], e["process.name"]) for e in closes}
    assert owners == {"egress": (cli_pid, CLIENT), "ingress": (srv_pid, SERVER)}
    for e in closes:
        assert e["tcp.preexisting"] is True
        assert (e["source.ip"], e["destination.ip"]) == (pair.a4, pair.b4)
        assert e["destination.port"] == port
        # Byte counts are the connection's lifetime totals, kept by the kernel.
        assert (e["source.bytes"], e["destination.bytes"]) == (send, reply)
        # Duration is counted from netsight's start, so it is a lower bound.
        assert 0 < e["event.duration"] <= (time.monotonic() - started) * 1e9


def test_new_connections_to_a_listener_opened_before_start(pair, netsight_bin, cleanup,
                                                           kernel_path):
    count, port = 3, 5104
    with tempfile.TemporaryDirectory() as tmp:
        go = os.path.join(tmp, "go")
        srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", port,
                   "--count", count, "--expect", 1, "--reply", 1, "--name", SERVER)
        cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
                   "--count", count, "--send", 1, "--expect", 1, "--start-file", go,
                   "--name", CLIENT)
        ns = start(cleanup, netsight_bin)
        open(go, "w").close()
        cli.result()
        srv_pid = srv.result()["pid"]
        settle()
        events, _ = ns.events()
    server_side = [e for e in on_port(events, port) if e["network.direction"] == "ingress"]
    assert len(server_side) == 2 * count
    assert {e["process.pid"] for e in server_side} == {srv_pid}
    assert all(e["tcp.preexisting"] is False for e in server_side if "tcp.preexisting" in e)


def served(cleanup, pair, binary, port, count, send, *server_args):
    """@count connections sending @send bytes and getting 60 back, to a server
    in pair.b run with @server_args, traced: (events, the server's result)."""
    ns = start(cleanup, binary)
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", port, "--count", count,
               "--expect", send, "--reply", 60, "--name", SERVER, *server_args)
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
               "--count", count, "--send", send, "--expect", 60, "--name", CLIENT)
    cli.result()
    s = srv.result()
    settle()
    return ns.events()[0], s


@pytest.mark.parametrize("expect", [50, 0], ids=["reads-first", "writes-first"])
def test_accept_without_peer_address_names_the_server(pair, netsight_bin, cleanup, expect):
    """accept(fd, NULL, NULL): the first read or write names the server."""
    count, port = 5, 5105 + (expect == 0)
    events, s = served(cleanup, pair, netsight_bin, port, count, expect, "--no-peer-address")
    assert len(on_port(events, port, "accept")) == count
    server_side = [e for e in on_port(events, port) if e["network.direction"] == "ingress"]
    assert len(server_side) == 2 * count
    assert {(e["process.pid"], e["process.name"]) for e in server_side} == {(s["pid"], SERVER)}


def test_prefork_workers_without_peer_address(pair, netsight_bin, cleanup):
    count, port = 6, 5107
    events, s = served(cleanup, pair, netsight_bin, port, count, 5, "--mode", "prefork",
                       "--workers", 2, "--no-peer-address")
    accepts = on_port(events, port, "accept")
    assert len(accepts) == count
    assert {e["process.pid"] for e in accepts} <= set(s["children"])
    assert s["pid"] not in {e["process.pid"] for e in accepts}


def test_fork_after_accept_without_peer_address_names_the_first_user(pair, netsight_bin,
                                                                     cleanup):
    """Nothing shows who called accept(fd, NULL, NULL) before the socket was
    handed on: the child that uses it first is named (README, ownership)."""
    count, port = 3, 5108
    events, s = served(cleanup, pair, netsight_bin, port, count, 50, "--mode",
                       "fork-after-accept", "--no-peer-address")
    accepts = on_port(events, port, "accept")
    assert sorted(e["process.pid"] for e in accepts) == sorted(s["children"])


@pytest.mark.parametrize("command", [["conns"], ["tcp"], ["drops"], ["drops", "--summary"]],
                         ids=" ".join)
def test_no_system_call_tracepoints(netsight_bin, cleanup, command):
    """A system call tracepoint, once enabled, slows every system call of every
    process on the host: no command attaches one."""
    require(shutil.which("bpftool"), "bpftool is not installed")
    ns = Netsight(netsight_bin, *command)
    cleanup(ns)
    out = subprocess.run(["bpftool", "perf", "-j"], check=True, capture_output=True,
                         text=True).stdout
    ours = [a for a in json.loads(out) if a.get("pid") == ns.proc.pid]
    assert ours, "bpftool perf shows none of netsight's attachments"
    assert [a for a in ours if a.get("tracepoint", "").startswith("sys_")] == []
