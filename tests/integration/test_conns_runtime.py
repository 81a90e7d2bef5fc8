# SPDX-License-Identifier: GPL-2.0-only
"""Running netsight: nothing lost silently, clean exits, nothing left behind."""
import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from conftest import require
from netlab import Netsight, account, run
from test_conns import CLIENT, SERVER, on_port, peer, settle, start


def summary(stderr):
    """(delivered, lost in the kernel); nothing may be left undelivered."""
    delivered, lost, undelivered = account(stderr)
    assert undelivered == 0, stderr
    return delivered, lost


def our_programs():
    progs = json.loads(run("bpftool", "prog", "show", "-j").stdout)
    return [p["name"] for p in progs
            if p.get("name", "").startswith(("owner_", "conn_"))]


def test_lost_events_are_counted_exactly(netns, netsight_bin, cleanup):
    """A frozen reader and a tiny ring buffer: every event is either seen or
    counted as lost, never silently missing."""
    count, port = 60, 5401
    ns = start(cleanup, netsight_bin, "--port", port, "--ringbuf-size", "4K")
    srv = peer(cleanup, netns, "server", "--bind", "127.0.0.1", "--port", port,
               "--count", count, "--expect", 1, "--reply", 1, "--name", SERVER)
    ns.proc.send_signal(signal.SIGSTOP)
    try:
        cli = peer(cleanup, netns, "client", "--connect", "127.0.0.1", "--port", port,
                   "--count", count, "--send", 1, "--expect", 1, "--name", CLIENT)
        cli.result()
        srv.result()
        settle()
    finally:
        ns.proc.send_signal(signal.SIGCONT)
    text, err, code = ns.stop()
    assert code == 3, err  # events were lost
    records = [json.loads(line) for line in text.splitlines()]
    events = [e for e in records if e["event.kind"] == "event"]
    seen, lost = summary(err)
    assert seen == len(events) == len(on_port(events, port))
    assert lost > 0, "a 4K ring buffer cannot hold this burst"
    assert seen + lost == 4 * count
    assert sum(e["count"] for e in records if e["event.action"] == "events_lost") == lost
    assert "ring buffer was full" in err and "--ringbuf-size" in err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signals_end_cleanly_with_a_summary(netsight_bin, cleanup, sig):
    ns = start(cleanup, netsight_bin)
    text, err, code = ns.stop(sig)
    assert code == 0
    summary(err)


def test_duration_ends_the_run(netsight_bin):
    began = time.monotonic()
    r = subprocess.run([netsight_bin, "conns", "--duration", "1", "-o", "json"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    summary(r.stderr)
    assert time.monotonic() - began < 15
    for line in r.stdout.splitlines():
        json.loads(line)


def programs_left(timeout=3.0):
    """Our programs still loaded once the kernel had time to free them: it
    frees a detached program after an RCU grace period, not at once."""
    deadline = time.monotonic() + timeout
    while our_programs() and time.monotonic() < deadline:
        time.sleep(0.05)
    return our_programs()


def test_nothing_stays_attached(netsight_bin, cleanup):
    require(shutil.which("bpftool"), "bpftool is not installed")
    assert programs_left() == [], "another netsight is running"
    ns = start(cleanup, netsight_bin)
    assert "conn_inet_sock_set_state" in our_programs()
    ns.stop()
    assert programs_left() == []
    ns = start(cleanup, netsight_bin)
    ns.proc.kill()  # a crash: the kernel drops everything with the process
    ns.proc.wait()
    assert programs_left() == []


def test_text_output(netns, netsight_bin, cleanup):
    port = 5402
    ns = Netsight(netsight_bin, "conns", "--port", port)
    cleanup(ns)
    srv = peer(cleanup, netns, "server", "--bind", "127.0.0.1", "--port", port,
               "--expect", 100, "--reply", 2048, "--name", SERVER)
    cli = peer(cleanup, netns, "client", "--connect", "127.0.0.1", "--port", port,
               "--send", 100, "--expect", 2048, "--name", CLIENT)
    cli_pid, srv_pid = cli.result()["pid"], srv.result()["pid"]
    settle()
    text, _, code = ns.stop()
    assert code == 0
    lines = text.splitlines()
    # Another namespace than netsight's exists (the test's): a NETNS column.
    assert lines[0].split()[:7] == ["TIME", "EVENT", "PID", "COMM", "NETNS", "LOCAL", "REMOTE"]
    rows = [l.split() for l in lines[1:]]
    assert {int(r[4]) for r in rows} == {netns.inode()}
    rows = [r[:4] + r[5:] for r in rows]
    assert sorted(r[1] for r in rows) == ["accept", "close", "close", "connect"]
    closes = {int(r[2]): r for r in rows if r[1] == "close"}
    assert closes[cli_pid][3] == CLIENT and closes[srv_pid][3] == SERVER
    # Local endpoint first, sizes in human units, how it ended last.
    assert closes[cli_pid][5] == f"127.0.0.1:{port}"
    assert closes[cli_pid][8:10] == ["100B", "2.0kB"] and closes[cli_pid][-1] == "fin"
    assert closes[srv_pid][4] == f"127.0.0.1:{port}"


def valgrind(netsight_bin, *args):
    supp = os.path.join(os.path.dirname(__file__), "..", "valgrind.supp")
    return Netsight("valgrind", "--error-exitcode=9", "--leak-check=full",
                    "--errors-for-leak-kinds=definite,indirect,possible",
                    f"--suppressions={supp}", netsight_bin, *args, ready_timeout=120)


def test_valgrind_clean(netns, netsight_bin, cleanup):
    require(shutil.which("valgrind"), "valgrind is not installed")
    port = 5403
    ns = valgrind(netsight_bin, "conns", "-o", "json", "--port", port)
    cleanup(ns)
    srv = peer(cleanup, netns, "server", "--bind", "127.0.0.1", "--port", port,
               "--count", 3, "--expect", 10, "--reply", 10, "--name", SERVER)
    cli = peer(cleanup, netns, "client", "--connect", "127.0.0.1", "--port", port,
               "--count", 3, "--send", 10, "--expect", 10, "--name", CLIENT)
    cli.result()
    srv.result()
    time.sleep(1)  # slower under valgrind
    text, err, code = ns.stop(timeout=120)
    assert code == 0, err
    assert len(text.splitlines()) == 12
    assert "ERROR SUMMARY: 0 errors" in err


@pytest.mark.parametrize("command", ["drops", "tcp"])
def test_valgrind_clean_summaries(netns, netsight_bin, cleanup, command):
    """The summary paths (BTF names, kallsyms, map walks) under valgrind."""
    require(shutil.which("valgrind"), "valgrind is not installed")
    ns = valgrind(netsight_bin, command, "--summary", "--interval", "1", "-o", "json")
    cleanup(ns)
    cli = peer(cleanup, netns, "client", "--connect", "127.0.0.1", "--port", 5404,
               "--count", 2, "--name", CLIENT)  # refused: resets and drops
    cli.result()
    time.sleep(2.5)
    text, err, code = ns.stop(timeout=120)
    assert code == 0, err
    assert "ERROR SUMMARY: 0 errors" in err
    assert any(json.loads(line)["summary.scope"] == "total" for line in text.splitlines())
