# SPDX-License-Identifier: GPL-2.0-only
"""Test scaffolding: network namespaces joined by veth, kernel counters, and
netsight itself. Everything created here is removed by close(), which the
fixtures call whether or not the test passed."""
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "peers", "tcp_peer.py")
TROUBLE = os.path.join(HERE, "peers", "trouble.py")
HANDOFF = os.path.join(HERE, "peers", "handoff.py")
REQRESP = os.path.join(HERE, "peers", "reqresp.py")
PYTHON = sys.executable
_ids = itertools.count(1)


def run(*cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)


def unique(prefix):
    """A name no other test run on this machine uses at the same time."""
    return f"{prefix}{os.getpid() % 10000}x{next(_ids)}"


class Netns:
    def __init__(self, name):
        self.name = name
        run("ip", "netns", "add", name)
        self.ip("link", "set", "lo", "up")

    def ip(self, *args):
        return run("ip", "-n", self.name, *args)

    def exec_args(self, *cmd):
        return ["ip", "netns", "exec", self.name, *cmd]

    def run(self, *cmd, **kw):
        return run(*self.exec_args(*cmd), **kw)

    def popen(self, *cmd, **kw):
        return subprocess.Popen(self.exec_args(*cmd), **kw)

    def inode(self):
        """The namespace's inode number, as network.netns shows it."""
        return os.stat(f"/run/netns/{self.name}").st_ino

    def counters(self):
        """Absolute SNMP/netstat counters of this namespace."""
        out = self.run("nstat", "-asz", "--json").stdout
        return json.loads(out)["kernel"]

    def close(self):
        run("ip", "netns", "del", self.name, check=False)


class Pair:
    """Host a (10.231.N.1, fd00:231:N::1) -- veth -- host b (.2, ::2)."""

    def __init__(self):
        n = (os.getpid() + next(_ids)) % 250 + 1
        self.a = Netns(unique("nsa"))
        self.b = Netns(unique("nsb"))
        self.a4, self.b4 = f"10.231.{n}.1", f"10.231.{n}.2"
        self.a6, self.b6 = f"fd00:231:{n}::1", f"fd00:231:{n}::2"
        veth_a, veth_b = unique("va"), unique("vb")
        run("ip", "link", "add", veth_a, "netns", self.a.name, "type", "veth",
            "peer", "name", veth_b, "netns", self.b.name)
        for ns, dev, v4, v6 in ((self.a, veth_a, self.a4, self.a6),
                                (self.b, veth_b, self.b4, self.b6)):
            ns.ip("addr", "add", f"{v4}/24", "dev", dev)
            ns.ip("addr", "add", f"{v6}/64", "dev", dev, "nodad")
            ns.ip("link", "set", dev, "up")
        self.dev_a, self.dev_b = veth_a, veth_b

    def drop_every_fourth(self, port, counter=False):
        """nftables on host b drops every fourth data segment host a sends to
        @port (the table goes with the namespace)."""
        self.b.run("nft", "-f", "-", input=f"""
            table inet nstest {{
                chain in {{
                    type filter hook input priority 0; policy accept;
                    ip saddr {self.a4} tcp dport {port} ip length > 100 numgen inc mod 4 == 0 \
                        {"counter " if counter else ""}drop
                }}
            }}""")

    def close(self):
        self.a.close()
        self.b.close()


def counter_delta(before, after, *names):
    return {n: after.get(n, 0) - before.get(n, 0) for n in names}


class Peer:
    """A peer process (tcp_peer.py by default): waits until it says "ready",
    then result()."""

    def __init__(self, ns, role, *args, script=PEER):
        cmd = [PYTHON, script, role, *map(str, args)]
        self.proc = ns.popen(*cmd, stdout=subprocess.PIPE, text=True) if ns else \
            subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "ready":
            self.proc.kill()
            raise RuntimeError(f"{role} did not start: {line!r}")
        self.pid = int(line[1])

    def result(self, timeout=60):
        # Not communicate(timeout=): it reads the raw pipe and would miss what
        # the "ready" readline() already buffered. Peers print a line or two,
        # so waiting before reading cannot fill the pipe.
        self.proc.wait(timeout=timeout)
        out = self.proc.stdout.read()
        if self.proc.returncode != 0:
            raise RuntimeError(f"peer failed with {self.proc.returncode}: {out}")
        return json.loads(out.strip().splitlines()[-1])

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


ACCOUNT = re.compile(r"(\d+) events? delivered, (\d+) lost in the kernel, (\d+) not delivered")


def account(stderr):
    """The exit account on stderr: (delivered, lost in the kernel, not delivered)."""
    found = ACCOUNT.findall(stderr)
    assert found, f"no account in: {stderr}"
    return tuple(int(n) for n in found[-1])


class Netsight:
    """netsight running in the background, its output collected in files."""

    def __init__(self, binary, *args, ready_timeout=20):
        self.out = tempfile.TemporaryFile("w+")
        self.err = tempfile.NamedTemporaryFile("w+")
        self.proc = subprocess.Popen([binary, *map(str, args)], stdout=self.out,
                                     stderr=self.err, text=True)
        deadline = time.monotonic() + ready_timeout
        while "tracing" not in self.stderr():
            if self.proc.poll() is not None:
                raise RuntimeError(f"netsight exited {self.proc.returncode}: "
                                   f"{self.stderr()}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"netsight not ready: {self.stderr()}")
            time.sleep(0.05)

    def stderr(self):
        with open(self.err.name) as f:
            return f.read()

    def stop(self, sig=signal.SIGINT, timeout=30):
        """Stops netsight; returns (events, stderr, exit code)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        self.out.seek(0)
        text = self.out.read()
        return text, self.stderr(), code

    def events(self, sig=signal.SIGINT):
        text, err, code = self.stop(sig)
        assert code == 0, f"netsight exited {code}: {err}"
        return [json.loads(line) for line in text.splitlines() if line.strip()], err

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
