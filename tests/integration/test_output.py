# SPDX-License-Identifier: GPL-2.0-only
"""Nothing lost silently: a stop with a slow, stalled or vanished reader,
losses reported in the stream as they happen, exit statuses that say a run
was incomplete, and output that fails loudly when it cannot be written."""
import json
import os
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import require
from netlab import account
from test_conns import CLIENT, SERVER, peer, settle

NS_EXIT_LOST = 3


class Piped:
    """netsight conns -o json writing into a pipe read by @reader, a shell
    command whose stdout is collected."""

    def __init__(self, binary, reader, *args):
        self.out = tempfile.TemporaryFile("w+")
        self.err = tempfile.NamedTemporaryFile("w+")
        self.proc = subprocess.Popen([binary, "conns", "-o", "json", *map(str, args)],
                                     stdout=subprocess.PIPE, stderr=self.err)
        self.reader = subprocess.Popen(["sh", "-c", reader], stdin=self.proc.stdout,
                                       stdout=self.out, text=True)
        self.proc.stdout.close()
        deadline = time.monotonic() + 20
        while "tracing" not in self.stderr():
            assert self.proc.poll() is None, self.stderr()
            assert time.monotonic() < deadline, self.stderr()
            time.sleep(0.05)

    def stderr(self):
        with open(self.err.name) as f:
            return f.read()

    def wait(self, timeout=60):
        code = self.proc.wait(timeout=timeout)
        self.reader.wait(timeout=timeout)
        self.out.seek(0)
        return code, self.out.read()

    def kill(self):
        for p in (self.proc, self.reader):
            if p.poll() is None:
                p.kill()
                p.wait()


def storm(cleanup, netns, port, count, pause=0.003):
    """About 300 connections a second on loopback; returns when all are done."""
    srv = peer(cleanup, netns, "server", "--bind", "127.0.0.1", "--port", port,
               "--count", count, "--name", SERVER)
    cli = peer(cleanup, netns, "client", "--connect", "127.0.0.1", "--port", port,
               "--count", count, "--pause", pause, "--name", CLIENT)
    assert cli.result(timeout=120)["errors"] == []
    srv.result()
    settle()


def test_stop_with_a_slow_reader_delivers_everything(netns, netsight_bin, cleanup):
    """The reader sleeps while the pipe is full; SIGTERM still delivers every
    event it traced, and the account says so."""
    count, port = 600, 5701
    ns = Piped(netsight_bin, "sleep 5; wc -l", "--port", port)
    cleanup(ns)
    began = time.monotonic()
    storm(cleanup, netns, port, count)
    assert time.monotonic() - began < 5, "the reader must still be asleep"
    ns.proc.send_signal(signal.SIGTERM)
    code, out = ns.wait()
    delivered, lost, undelivered = account(ns.stderr())
    assert code == 0, ns.stderr()
    assert (lost, undelivered) == (0, 0), ns.stderr()
    assert int(out) == delivered == 4 * count


def stalled(netsight_bin, cleanup, netns, port, count):
    """netsight writing to a reader that never reads, after @count connections."""
    ns = Piped(netsight_bin, "sleep 40", "--port", port)
    cleanup(ns)
    storm(cleanup, netns, port, count)
    return ns


def ended(ns, began):
    """How long netsight took to exit since @began, its exit code and stderr."""
    code = ns.proc.wait(timeout=30)
    took = time.monotonic() - began
    ns.kill()
    return took, code, ns.stderr()


def test_stalled_reader_is_counted_not_delivered(netns, netsight_bin, cleanup):
    """A reader that never reads: netsight gives up after 5 s and counts
    exactly what it could not write."""
    count = 300
    ns = stalled(netsight_bin, cleanup, netns, 5702, count)
    ns.proc.send_signal(signal.SIGTERM)
    took, code, err = ended(ns, time.monotonic())
    delivered, lost, undelivered = account(err)
    assert 4.5 < took < 10, took
    assert code == NS_EXIT_LOST, err
    assert lost == 0 and undelivered > 0
    assert delivered + undelivered == 4 * count
    assert f"{undelivered} not written: the reader took nothing for 5 s" in err


def test_stalled_reader_gets_only_whole_lines(netns, netsight_bin, cleanup):
    """A reader that stalls past the limit and reads later finds whole lines
    only: one JSON object per line, as many as were delivered."""
    count = 300
    ns = Piped(netsight_bin, "sleep 9; cat", "--port", 5710)
    cleanup(ns)
    storm(cleanup, netns, 5710, count)
    ns.proc.send_signal(signal.SIGTERM)
    code, out = ns.wait(timeout=30)
    delivered, _, undelivered = account(ns.stderr())
    assert code == NS_EXIT_LOST and undelivered > 0, ns.stderr()
    assert out.endswith("\n")
    assert len([json.loads(line) for line in out.splitlines()]) == delivered


def test_count_is_not_lost_to_what_comes_after_it(netns, netsight_bin, cleanup):
    """--count 5 with a 4K ring in a burst: the ring overflows only after the
    5th event, with events the run did not want; nothing was lost."""
    (_, text), (_, err), code = frozen_burst(cleanup, netns, netsight_bin, 5711, 100,
                                             "-o", "json", "--count", "5")
    assert code == 0, err
    assert [json.loads(line)["event.kind"] for line in text.splitlines()] == ["event"] * 5
    assert account(err) == (5, 0, 0)
    assert "(--count) found the ring buffer full; not counted as lost" in err


def test_second_signal_stops_writing_at_once(netns, netsight_bin, cleanup):
    count = 300
    ns = stalled(netsight_bin, cleanup, netns, 5703, count)
    ns.proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    began = time.monotonic()
    ns.proc.send_signal(signal.SIGINT)
    took, code, err = ended(ns, began)
    delivered, _, undelivered = account(err)
    assert took < 2
    assert code == NS_EXIT_LOST, err
    assert delivered + undelivered == 4 * count
    assert f"{undelivered} not written: stopped by a second signal" in err


def test_reader_that_leaves_is_not_a_failure(netns, netsight_bin, cleanup):
    """'| head': the reader took what it wanted; the rest is counted, exit 0."""
    count, port = 50, 5704
    ns = Piped(netsight_bin, "head -n 3", "--port", port)
    cleanup(ns)
    storm(cleanup, netns, port, count)
    code, out = ns.wait()
    assert code == 0, ns.stderr()
    assert len(out.splitlines()) == 3
    delivered, _, undelivered = account(ns.stderr())
    assert delivered >= 3 and delivered + undelivered <= 4 * count
    assert "not written: the reader closed the output" in ns.stderr()


def frozen_burst(cleanup, netns, binary, port, count, *args):
    """A frozen netsight with a 4K ring buffer misses most of a burst; it is
    thawed, left running and stopped. Returns (stdout, stderr, exit code), the
    first two as they were before the stop and at the end."""
    out = tempfile.TemporaryFile("w+")
    err = tempfile.NamedTemporaryFile("w+")
    proc = subprocess.Popen([binary, "conns", "--port", str(port), "--ringbuf-size", "4K",
                             *args], stdout=out, stderr=err, text=True)
    cleanup(type("K", (), {"kill": lambda self: proc.poll() is None and proc.kill()})())
    deadline = time.monotonic() + 20
    while "tracing" not in open(err.name).read():
        assert proc.poll() is None and time.monotonic() < deadline, open(err.name).read()
        time.sleep(0.05)
    proc.send_signal(signal.SIGSTOP)
    try:
        storm(cleanup, netns, port, count, pause=0)
    finally:
        proc.send_signal(signal.SIGCONT)
    time.sleep(1.5)
    out.seek(0)
    running = (out.read(), open(err.name).read())
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=30)
    out.seek(0)
    return (running[0], out.read()), (running[1], open(err.name).read()), code


def test_loss_is_a_record_in_the_stream(netns, netsight_bin, cleanup):
    count, port = 100, 5705
    (running, text), (_, err), code = frozen_burst(cleanup, netns, netsight_bin, port,
                                                   count, "-o", "json")
    events = [json.loads(line) for line in text.splitlines()]
    losses = [e for e in events if e["event.action"] == "events_lost"]
    connections = [e for e in events if e["event.kind"] == "event"]
    delivered, lost, undelivered = account(err)
    assert code == NS_EXIT_LOST, err
    assert losses, "the loss must be in the stream, not only in the exit account"
    for e in losses:
        assert e["event.kind"] == "metric" and e["event.dataset"] == "netsight.conns"
        assert e["netsight.loss.source"] == "ringbuf_full" and e["count"] > 0
        assert "ring buffer was full" in e["message"]
    assert sum(e["count"] for e in losses) == lost > 0
    assert len(connections) == delivered and undelivered == 0
    assert delivered + lost == 4 * count
    # The record comes as soon as the loss is noticed, not at the end of the run.
    assert '"event.action":"events_lost"' in running


def test_loss_warns_on_stderr_for_text(netns, netsight_bin, cleanup):
    count, port = 100, 5706
    _, (running, err), code = frozen_burst(cleanup, netns, netsight_bin, port, count)
    _, lost, _ = account(err)
    assert code == NS_EXIT_LOST
    warnings = [l for l in running.splitlines() if l.startswith("netsight: warning: ")]
    assert warnings, running
    assert f"warning: {lost} events dropped because the ring buffer was full" in running
    assert "--ringbuf-size" in warnings[0]


def test_allow_loss_exits_0(netns, netsight_bin, cleanup):
    count, port = 100, 5707
    _, (_, err), code = frozen_burst(cleanup, netns, netsight_bin, port, count,
                                     "--allow-loss")
    assert account(err)[1] > 0
    assert code == 0, err


def test_sighup_ends_the_run_like_sigterm(netns, netsight_bin, cleanup):
    count, port = 5, 5708
    ns = Piped(netsight_bin, "cat", "--port", port)
    cleanup(ns)
    storm(cleanup, netns, port, count)
    ns.proc.send_signal(signal.SIGHUP)
    code, out = ns.wait()
    assert code == 0, ns.stderr()
    assert account(ns.stderr()) == (4 * count, 0, 0)
    assert len(out.splitlines()) == 4 * count


@pytest.mark.parametrize("n", [1, 7])
def test_count_stops_after_n_events(netns, netsight_bin, cleanup, n):
    count, port = 10, 5709
    ns = Piped(netsight_bin, "cat", "--port", port, "--count", n)
    cleanup(ns)
    storm(cleanup, netns, port, count)
    code, out = ns.wait(timeout=10)
    assert code == 0, ns.stderr()
    assert len(out.splitlines()) == n
    assert account(ns.stderr()) == (n, 0, 0)


FULL_CASES = [
    ["--help"], ["--version"], ["help"], ["help", "tcp"], ["conns", "--help"],
    ["drops", "--list-reasons"], ["doctor"],
    ["conns", "--duration", "1"], ["tcp", "--duration", "1"], ["drops", "--duration", "1"],
    ["drops", "--summary", "--duration", "1"], ["tcp", "--summary", "--duration", "1"],
]


@pytest.mark.parametrize("args", FULL_CASES, ids=" ".join)
def test_full_disk_fails_loudly(netsight_bin, args):
    with open("/dev/full", "w") as full:
        r = subprocess.run([netsight_bin, *args], stdout=full, stderr=subprocess.PIPE,
                           text=True, timeout=60)
    assert r.returncode == 1, r.stderr
    assert "writing output failed: No space left on device" in r.stderr
    assert "reading" not in r.stderr


@pytest.mark.parametrize("args", [["--version"], ["conns", "--duration", "1"]],
                         ids=" ".join)
def test_closed_stdout_is_an_error_not_a_file(netsight_bin, args, tmp_path):
    """With fd 1 closed, nothing netsight opens may take its place."""
    require(os.path.exists("/proc/self/fd"), "no /proc")
    r = subprocess.run([netsight_bin, *args], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, timeout=60, cwd=tmp_path,
                       preexec_fn=lambda: os.close(1))
    assert r.returncode == 1, r.stderr
    assert "standard output is closed" in r.stderr
    assert list(tmp_path.iterdir()) == []
