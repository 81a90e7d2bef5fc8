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
    for opt in ("--pid", "--comm", "--port", "--cgroup", "--ipv4", "--ipv6", "--output",
                "--duration", "--ringbuf-size", "Examples:"):
        assert opt in r.stdout, opt


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
])
def test_bad_input_is_one_clear_message(args, message):
    r = netsight("conns", *args)
    assert r.returncode == 2, r
    assert message in r.stderr
    assert "Try 'netsight conns --help'" in r.stderr
    assert r.stdout == ""


def test_too_many_pids():
    r = netsight("conns", *[a for i in range(17) for a in ("-p", str(i + 1))])
    assert r.returncode == 2 and "at most 16" in r.stderr


def test_not_root():
    require(os.geteuid() == 0, "dropping privileges needs root")
    r = netsight("conns", "--duration", "1", user=65534)
    assert r.returncode == 1
    assert "needs root" in r.stderr
