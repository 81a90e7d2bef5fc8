# SPDX-License-Identifier: GPL-2.0-only
"""The command line: help, version, and one clear message with the right exit
code for each kind of bad input. Nothing here loads BPF."""
import os
import subprocess

import pytest

from conftest import NETSIGHT, require


def netsight(*args, user=None):
    cmd = [NETSIGHT, *args]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


@pytest.fixture(autouse=True)
def built():
    require(os.path.exists(NETSIGHT), f"{NETSIGHT} is not built (run make)")


def test_version():
    r = netsight("--version")
    assert r.returncode == 0 and r.stdout.startswith("netsight ")


def test_help_lists_commands():
    r = netsight("--help")
    assert r.returncode == 0
    for command in ("conns", "drops", "tcp"):
        assert f"  {command} " in r.stdout


@pytest.mark.parametrize("command,options", [
    ("drops", ("--reason", "--exclude-reason", "--list-reasons", "--summary", "--interval")),
    ("tcp", ("--summary", "--interval", "--port")),
])
def test_command_help(command, options):
    for args in ((command, "--help"), ("help", command)):
        r = netsight(*args)
        assert r.returncode == 0 and r.stdout.startswith(f"Usage: netsight {command}")
        for opt in options + ("--pid", "--output", "--duration", "Examples:"):
            assert opt in r.stdout, (args, opt)


def test_no_command_is_a_usage_error():
    r = netsight()
    assert r.returncode == 2 and "Usage: netsight" in r.stderr


def test_unknown_command():
    r = netsight("frobnicate")
    assert r.returncode == 2
    assert "'frobnicate' is not a netsight command" in r.stderr


def test_conns_help_teaches_every_option():
    r = netsight("conns", "--help")
    assert r.returncode == 0
    for opt in ("--pid", "--comm", "--port", "--local-port", "--remote-port", "--addr",
                "--event", "--cgroup", "--ipv4", "--ipv6", "--output", "--duration",
                "--count", "--allow-loss", "--timestamp", "--wide", "--ringbuf-size",
                "Examples:"):
        assert opt in r.stdout, opt
    # What a larger buffer costs.
    assert "memory" in r.stdout[r.stdout.index("--ringbuf-size"):]


@pytest.mark.parametrize("args,message", [
    (["--bogus"], "unknown option '--bogus'"),
    (["-x"], "unknown option '-x'"),
    (["--pid", "abc"], "invalid --pid 'abc'"),
    (["--pid", "0"], "invalid --pid '0'"),
    (["--pid"], "needs an argument"),
    (["--port", "70000"], "invalid --port '70000'"),
    (["--port", "-1"], "invalid --port '-1'"),
    (["--cgroup", "/nonexistent/netsight"], "no such directory"),
    (["--cgroup", "/tmp"], "not a cgroup v2 directory"),
    (["-4", "-6"], "-4 and -6 exclude each other"),
    (["-o", "xml"], "invalid --output 'xml'"),
    (["--duration", "soon"], "invalid --duration 'soon'"),
    (["--ringbuf-size", "1000"], "invalid --ringbuf-size '1000'"),
    (["stray"], "unexpected argument 'stray'"),
    (["--duration", "31536001"], "1 to 31536000"),
    (["--count", "0"], "invalid --count '0'"),
    (["--addr", "10.0.0.1/8"], "the network is 10.0.0.0/8"),
    (["--addr", "example.org"], "invalid --addr 'example.org'"),
    (["--addr", "::1", "-4"], "--addr takes an IPv6 network here, but -4"),
    (["--event", "drop"], "invalid --event 'drop': netsight conns reports connect, accept, "
                          "connect_failed, close"),
    (["--timestamp", "unix"], "invalid --timestamp 'unix'"),
    (["--local-port", "0"], "invalid --local-port '0'"),
])
def test_bad_input_is_one_clear_message(args, message):
    r = netsight("conns", *args)
    assert r.returncode == 2, r
    assert message in r.stderr
    assert "Try 'netsight conns --help'" in r.stderr
    assert r.stdout == ""


@pytest.mark.parametrize("command,args,message", [
    ("tcp", ["--interval", "86401", "--summary"], "1 to 86400"),
    ("tcp", ["--by", "remote"], "--by applies to --summary"),
    ("tcp", ["--summary", "--by", "port"], "invalid --by 'port'"),
    ("tcp", ["--summary", "--by", "process,"], "invalid --by 'process,': a key is empty"),
    ("tcp", ["--summary", "--by", "remote", "--by", "remote"], "'remote' is named twice"),
    ("tcp", ["--summary", "--count", "3"], "--count counts events"),
    ("tcp", ["--event", "connect"], "invalid --event 'connect': netsight tcp reports "
                                    "retransmit, retransmit_failed"),
])
def test_bad_input_of_other_commands(command, args, message):
    r = netsight(command, *args)
    assert r.returncode == 2, r
    assert message in r.stderr
    assert f"Try 'netsight {command} --help'" in r.stderr


@pytest.mark.parametrize("args,message", [
    (["--reason", "CONSUMED"], "CONSUMED is not a drop reason"),
    (["--exclude-reason", "not_dropped_yet"], "NOT_DROPPED_YET is not a drop reason"),
    (["--reason", "NO_SOCKET", "--exclude-reason", "skb_drop_reason_no_socket"],
     "--reason and --exclude-reason both name NO_SOCKET"),
    (["--reason", "MAX"], "unknown drop reason 'MAX'"),
    (["--reason", "NO_SOCKETS"], "unknown drop reason 'NO_SOCKETS'"),
])
def test_drop_reasons_are_checked(args, message):
    require(os.geteuid() == 0, "drops checks its reasons after its privileges")
    r = netsight("drops", *args)
    assert r.returncode == 2, r
    assert message in r.stderr
    assert "Try 'netsight drops --help'" in r.stderr


@pytest.mark.parametrize("name", ["no_socket", "SKB_DROP_REASON_NO_SOCKET", "No_Socket"])
def test_drop_reasons_in_any_spelling(name):
    require(os.geteuid() == 0, "tracing needs root")
    r = netsight("drops", "--reason", name, "--duration", "1")
    assert r.returncode == 0, r.stderr


def test_list_reasons_lists_drop_reasons_only():
    r = netsight("drops", "--list-reasons")
    assert r.returncode == 0
    reasons = r.stdout.split()
    assert "NO_SOCKET" in reasons and "NETFILTER_DROP" in reasons
    assert not {"CONSUMED", "NOT_DROPPED_YET", "MAX"} & set(reasons)


def test_doubtful_filters_warn():
    require(os.geteuid() == 0, "tracing needs root")
    r = netsight("conns", "-p", "4194303", "-c", "a-process-name-longer-than-15",
                 "--duration", "1")
    assert r.returncode == 0, r.stderr
    assert "warning: no process 4194303 is running now" in r.stderr
    assert "warning: the kernel keeps the first 15 bytes of a process name: --comm matches " \
        "'a-process-name-'" in r.stderr


def test_too_many_pids():
    r = netsight("conns", *[a for i in range(17) for a in ("-p", str(i + 1))])
    assert r.returncode == 2 and "at most 16" in r.stderr


def test_not_root():
    require(os.geteuid() == 0, "dropping privileges needs root")
    r = netsight("conns", "--duration", "1", user=65534)
    assert r.returncode == 1
    assert "needs root" in r.stderr
