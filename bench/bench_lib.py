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

    def run(self, *args):
        """Runs a command in the namespace; its standard output."""
        return subprocess.run(self.cmd(*args), check=True, capture_output=True,
                              text=True).stdout

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
    """(events delivered, events lost) from netsight's exit summary; lost
    counts both those lost in the kernel and those not delivered."""
    m = re.search(r"(\d+) events? delivered, (\d+) lost in the kernel, (\d+) not delivered",
                  stderr)
    if m:
        return int(m.group(1)), int(m.group(2)) + int(m.group(3))
    m = re.search(r"counted in the kernel, (\d+) events lost", stderr)  # tables only
    if m:
        return 0, int(m.group(1))
    m = re.search(r"(\d+) events seen, (\d+) events lost", stderr)  # before 0.2
    if not m:
        raise RuntimeError(f"no summary from netsight: {stderr}")
    return int(m.group(1)), int(m.group(2))


def netsight_modes(binaries, name, args, **kw):
    """One Mode per netsight binary: (label, path) pairs, the first is the one
    under test and is named plainly, the others get their label appended."""
    return [Mode(name if i == 0 else f"{name} ({label})", [path, *args], **kw)
            for i, (label, path) in enumerate(binaries)]


def add_binary_args(parser):
    parser.add_argument("--netsight", required=True)
    parser.add_argument("--before", help="another netsight binary to compare, e.g. a release")


def binaries(args):
    return [("now", args.netsight)] + ([("before", args.before)] if args.before else [])


def median(values):
    return statistics.median(values) if values else float("nan")


class Mode:
    """One way of running the storm: no tracer (argv None), or a tracer.

    events: events the tracer reports per unit of storm work (0: none, no
    CPU time per event is reported); prefixes: the
    names of its BPF programs, for run-time statistics; ready: stderr text
    that says it is tracing (else wait a fixed time)."""

    def __init__(self, name, argv=None, events=1, prefixes=(), ready=None):
        self.name, self.argv, self.events = name, argv, events
        self.prefixes, self.ready = prefixes, ready

    def start(self):
        return Tracer(self.argv, ready_text=self.ready) if self.argv else None


def run_round(mode, storm):
    """storm() -> {"rate": units/s, "units": n}; returns the round's result."""
    tracer = mode.start()
    cpu0 = tracer.cpu() if tracer else 0
    bpf0 = bpf_prog_stats(mode.prefixes) if mode.prefixes else (0, 0)
    result = dict(storm(), mode=mode.name)
    bpf1 = bpf_prog_stats(mode.prefixes) if mode.prefixes else (0, 0)
    if tracer:
        result["cpu"] = tracer.cpu() - cpu0
        result["stderr"] = tracer.stop()
    result["bpf_ns"] = bpf1[1] - bpf0[1]
    return result


def compare(modes, storm, rounds, unit, lost=None):
    """Runs every mode once per round, rotating the order, then one round per
    tracer with kernel.bpf_stats_enabled. Prints a table of medians and returns
    it as a dict. lost(mode, stderr) -> events lost, or None if not reported.

    A mode's ratio is the median over rounds of its rate divided by the
    baseline's in the same round: the machine's speed drifts between rounds
    more than a tracer costs, and a round's modes run next to each other."""
    results, bpf = [], {}
    for i in range(rounds):
        for mode in modes[i % len(modes):] + modes[:i % len(modes)]:
            r = run_round(mode, storm)
            r["round"] = i
            if lost:
                r["lost"] = lost(mode, r.get("stderr", ""))
            results.append(r)
            extra = f"  lost {r['lost']}" if r.get("lost") is not None else ""
            print(f"round {i + 1} {mode.name:<34} {r['rate']:11.0f} {unit}/s{extra}", flush=True)
    with BpfStats():
        for mode in modes:
            if mode.prefixes:
                bpf[mode.name] = run_round(mode, storm)
    base = {r["round"]: r["rate"] for r in results if r["mode"] == modes[0].name}
    print(f"\n{'mode':<34} {unit + '/s':>11} {'ratio':>6} {'cpu/event':>10} {'lost':>9} "
          f"{'bpf/' + unit:>10}")
    summary = {}
    for mode in modes:
        mine = [r for r in results if r["mode"] == mode.name]
        rate = median([r["rate"] for r in mine])
        row = {"rate": rate, "ratio": median([r["rate"] / base[r["round"]] for r in mine])}
        cells = ["", "", ""]
        if mode.argv and mode.events:
            events = sum(r["units"] for r in mine) * mode.events
            row["cpu_us_per_event"] = sum(r["cpu"] for r in mine) / max(events, 1) * 1e6
            cells[0] = f"{row['cpu_us_per_event']:.2f}us"
        if any(r.get("lost") is not None for r in mine):
            row["lost"] = sum(r.get("lost") or 0 for r in mine)
            cells[1] = str(row["lost"])
        if mode.name in bpf:
            row["bpf_ns_per_unit"] = bpf[mode.name]["bpf_ns"] / max(bpf[mode.name]["units"], 1)
            cells[2] = f"{row['bpf_ns_per_unit']:.0f}ns"
        summary[mode.name] = row
        print(f"{mode.name:<34} {rate:>11.0f} {row['ratio']:>6.3f} {cells[0]:>10} {cells[1]:>9} "
              f"{cells[2]:>10}")
    return summary


def process_footprint(pid):
    """(resident bytes, bytes of BPF map memory) of a process: VmRSS, and the
    memlock the kernel charges for every BPF map it holds a descriptor of."""
    rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
    maps = 0
    seen = set()
    fd_dir = f"/proc/{pid}/fdinfo"
    for fd in os.listdir(fd_dir):
        try:
            with open(f"{fd_dir}/{fd}") as f:
                info = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
        except OSError:
            continue
        if "map_type" in info and info.get("map_id") not in seen:
            seen.add(info.get("map_id"))
            maps += int(info.get("memlock", 0))
    return rss, maps


def write_summary(path, summary):
    """The summary as JSON at @path, if one was asked for (--json)."""
    if path:
        with open(path, "w") as f:
            json.dump(summary, f, indent=2)
