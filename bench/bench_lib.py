# SPDX-License-Identifier: GPL-2.0-only
"""Shared pieces of the benchmarks: a private network namespace, tracers run
in the background with their CPU time measured, and BPF run-time statistics.
Benchmarks report ratios measured within one run, never absolute pass/fail."""
import json
import os
import re
import signal
import statistics
import subprocess
import tempfile
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


class Namespace:
    def __init__(self, name):
        self.name = name
        sh("ip", "netns", "add", name)
        sh("ip", "-n", name, "link", "set", "lo", "up")

    def cmd(self, *args):
        return ["ip", "netns", "exec", self.name, *args]

    def close(self):
        sh("ip", "netns", "del", self.name, check=False)


def cpu_seconds(pid):
    """User + system CPU time of a process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class Tracer:
    """A tracing tool in the background, stdout discarded."""

    def __init__(self, argv, ready_text=None, settle=2.0):
        self.err = tempfile.NamedTemporaryFile("w+")
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=self.err,
                                     text=True)
        deadline = time.monotonic() + 30
        if ready_text:
            while ready_text not in self.stderr():
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{argv[0]} did not start: {self.stderr()}")
                time.sleep(0.05)
        else:
            time.sleep(settle)

    def stderr(self):
        with open(self.err.name) as f:
            return f.read()

    def cpu(self):
        return cpu_seconds(self.proc.pid)

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return self.stderr()


def bpf_prog_stats(name_prefixes):
    """Sum of run_cnt and run_time_ns over loaded programs with these name prefixes."""
    out = sh("bpftool", "prog", "show", "-j").stdout
    cnt = ns = 0
    for prog in json.loads(out):
        if any(prog.get("name", "").startswith(p) for p in name_prefixes):
            cnt += prog.get("run_cnt", 0)
            ns += prog.get("run_time_ns", 0)
    return cnt, ns


class BpfStats:
    """kernel.bpf_stats_enabled on for the duration, restored afterwards."""

    def __enter__(self):
        self.old = sh("sysctl", "-n", "kernel.bpf_stats_enabled").stdout.strip()
        sh("sysctl", "-qw", "kernel.bpf_stats_enabled=1")
        return self

    def __exit__(self, *exc):
        sh("sysctl", "-qw", f"kernel.bpf_stats_enabled={self.old}")


def netsight_summary(stderr):
    m = re.search(r"(\d+) events seen, (\d+) events lost", stderr)
    if not m:
        raise RuntimeError(f"no summary from netsight: {stderr}")
    return int(m.group(1)), int(m.group(2))


def median(values):
    return statistics.median(values) if values else float("nan")
