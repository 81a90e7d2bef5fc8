# SPDX-License-Identifier: GPL-2.0-only
"""Container, pod and service identity from cgroup v2 paths, and the
--container filter: cgroups named as Docker, containerd (Kubernetes, both
cgroup drivers), CRI-O, Podman and systemd name them, with test processes
moved into them."""
import os
import secrets
import subprocess
import tempfile
import time

import pytest

from netlab import REQRESP, Netsight
from test_conns import CLIENT, SERVER, on_port, peer, settle, start
from test_latency import find, rows_of


def cgroup2_root():
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split(" - ")
            if len(fields) == 2 and fields[1].split()[0] == "cgroup2":
                return fields[0].split()[4]
    pytest.fail("cgroup v2 is not mounted")


class Cgroups:
    """cgroups made under one parent of the test's own, removed at the end
    (their processes moved back to the root first)."""

    def __init__(self):
        self.root = cgroup2_root()
        self.parent = os.path.join(self.root, f"netsight-test-{os.getpid()}.slice")
        self.made = []

    def make(self, rel):
        path = self.parent
        for part in [""] + rel.strip("/").split("/"):
            path = os.path.join(path, part) if part else path
            if not os.path.isdir(path):
                os.mkdir(path)
                self.made.append(path)
        return path

    def move(self, path, pid):
        with open(os.path.join(path, "cgroup.procs"), "w") as f:
            f.write(str(pid))

    def remove(self, path):
        self.evacuate(path)
        os.rmdir(path)
        self.made.remove(path)

    def evacuate(self, path):
        with open(os.path.join(path, "cgroup.procs")) as f:
            pids = f.read().split()
        for pid in pids:
            try:
                self.move(self.root, pid)
            except OSError:
                pass  # exited meanwhile

    def close(self):
        for path in reversed(self.made):
            try:
                self.evacuate(path)
                os.rmdir(path)
            except OSError:
                pass


@pytest.fixture
def cgroups(netsight_bin):
    c = Cgroups()
    yield c
    c.close()


def container_id():
    return secrets.token_hex(32)


def uid():
    h = secrets.token_hex(16)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def client_in(cleanup, cgroups, pair, path, port, start_file, requests=3):
    """A client in the cgroup @path that starts when @start_file appears."""
    c = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
             "--requests", requests, "--start-file", start_file, "--name", CLIENT,
             script=REQRESP)
    if path:
        cgroups.move(path, c.pid)
    return c


def test_identity_of_every_naming_scheme(pair, netsight_bin, cleanup, cgroups):
    port = 5301
    docker, cri, crio, podman, cgroupfs = (container_id() for _ in range(5))
    pod, pod2 = uid(), uid()
    scheme = {
        "docker": (f"system.slice/docker-{docker}.scope",
                   {"container.id": docker, "container.runtime": "docker"}),
        "k8s-systemd": (f"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
                        f"{pod.replace('-', '_')}.slice/cri-containerd-{cri}.scope",
                        {"container.id": cri, "container.runtime": "containerd",
                         "orchestrator.type": "kubernetes", "kubernetes.pod.uid": pod}),
        "crio": (f"kubepods.slice/kubepods-pod{pod2.replace('-', '_')}.slice/crio-{crio}.scope",
                 {"container.id": crio, "container.runtime": "cri-o",
                  "orchestrator.type": "kubernetes", "kubernetes.pod.uid": pod2}),
        "k8s-cgroupfs": (f"kubepods/besteffort/pod{pod}/{cgroupfs}",
                         {"container.id": cgroupfs, "orchestrator.type": "kubernetes",
                          "kubernetes.pod.uid": pod}),
        "podman": (f"machine.slice/libpod-{podman}.scope",
                   {"container.id": podman, "container.runtime": "podman"}),
        "service": ("system.slice/nstest-web.service", {"service.name": "nstest-web"}),
        "host": (None, {}),
    }
    reqresp(cleanup, pair, port)
    ns = start(cleanup, netsight_bin)
    lat = Netsight(netsight_bin, "latency", "-o", "json", "--by", "container",
                   "--port", port)
    cleanup(lat)
    with tempfile.TemporaryDirectory() as tmp:
        go = os.path.join(tmp, "go")
        clients = {name: client_in(cleanup, cgroups, pair, cgroups.make(rel) if rel else None,
                                   port, go)
                   for name, (rel, _) in scheme.items()}
        open(go, "w").close()
        pids = {name: c.result()["pid"] for name, c in clients.items()}
    settle()
    events, _ = ns.events()
    keys = ("container.id", "container.runtime", "orchestrator.type", "kubernetes.pod.uid",
            "service.name")
    for name, (_, want) in scheme.items():
        mine = [e for e in on_port(events, port) if e.get("process.pid") == pids[name]]
        assert sorted(e["event.action"] for e in mine) == ["close", "connect"], name
        for e in mine:
            assert {k: e[k] for k in keys if k in e} == want, (name, e)
    rows = rows_of(lat)
    for name, (_, want) in scheme.items():
        if "container.id" not in want:
            continue
        row, = find(rows, "response", container__id=want["container.id"])
        assert row["histogram.count"] == 3 and "cgroup.id" not in row, name
        assert row["network.direction"] == "egress"
    # Every client outside a container: one row (the service and the host).
    bare = [r for r in find(rows, "response", network__direction="egress")
            if "container.id" not in r]
    assert len(bare) == 1 and bare[0]["histogram.count"] == 6


def reqresp(cleanup, pair, port):
    return peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", f"{port}:1",
                "--name", SERVER, script=REQRESP)


def test_container_filter_keeps_exactly_that_container(pair, netsight_bin, cleanup, cgroups):
    port = 5302
    ours, theirs = container_id(), container_id()
    inside = cgroups.make(f"system.slice/docker-{ours}.scope")
    nested = cgroups.make(f"system.slice/docker-{ours}.scope/app.slice/worker.service")
    other = cgroups.make(f"system.slice/docker-{theirs}.scope")
    reqresp(cleanup, pair, port)
    ns = start(cleanup, netsight_bin, "--container", ours[:12].upper())
    with tempfile.TemporaryDirectory() as tmp:
        go = os.path.join(tmp, "go")
        mine = [client_in(cleanup, cgroups, pair, path, port, go) for path in (inside, nested)]
        rest = [client_in(cleanup, cgroups, pair, path, port, go) for path in (other, None)]
        open(go, "w").close()
        want = {c.result()["pid"] for c in mine}
        for c in rest:
            c.result()
    settle()
    events, _ = ns.events()
    got = on_port(events, port)
    assert {e["process.pid"] for e in got} == want
    assert len(got) == 4 and {e["container.id"] for e in got} == {ours}


def test_container_filter_follows_a_container_that_starts_later(pair, netsight_bin, cleanup,
                                                                 cgroups):
    port = 5303
    later = container_id()
    reqresp(cleanup, pair, port)
    ns = start(cleanup, netsight_bin, "--container", later)
    assert f"--container {later}: no container has that id yet" in ns.stderr()
    path = cgroups.make(f"system.slice/docker-{later}.scope")
    time.sleep(1.5)  # netsight looks for new cgroups of the container every second
    with tempfile.TemporaryDirectory() as tmp:
        go = os.path.join(tmp, "go")
        c = client_in(cleanup, cgroups, pair, path, port, go)
        outside = client_in(cleanup, cgroups, pair, None, port, go)
        open(go, "w").close()
        pid = c.result()["pid"]
        outside.result()
    settle()
    events, err = ns.events()
    assert {e["process.pid"] for e in on_port(events, port)} == {pid}
    assert len(on_port(events, port)) == 2
    assert f"--container {later}: following container {later[:12]}" in err


def test_ambiguous_and_invalid_container_ids(netsight_bin, cgroups):
    a, b = "abc" + container_id()[3:], "abc" + container_id()[3:]
    for cid in (a, b):
        cgroups.make(f"system.slice/docker-{cid}.scope")
    r = subprocess.run([netsight_bin, "conns", "--container", "abc"], capture_output=True,
                       text=True)
    assert r.returncode == 2 and "is ambiguous" in r.stderr and "give more of the id" in r.stderr
    r = subprocess.run([netsight_bin, "conns", "--container", "xyz"], capture_output=True,
                       text=True)
    assert r.returncode == 2 and "invalid --container 'xyz'" in r.stderr


def test_a_process_that_joins_a_container_is_attributed_to_it(pair, netsight_bin, cleanup,
                                                              cgroups):
    """The same process, moved into a container's cgroup mid-connection (as
    a cgexec-style join does): what it does afterwards is the container's."""
    port = 5304
    cid = container_id()
    path = cgroups.make(f"system.slice/docker-{cid}.scope")
    reqresp(cleanup, pair, port)
    ns = start(cleanup, netsight_bin, "--container", cid[:16])
    lat = Netsight(netsight_bin, "latency", "-o", "json", "--by", "container", "--port", port)
    cleanup(lat)
    with tempfile.TemporaryDirectory() as tmp:
        paused, resume = os.path.join(tmp, "paused"), os.path.join(tmp, "resume")
        c = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
                 "--requests", 6, "--pause-after", 3, "--paused-file", paused,
                 "--resume-file", resume, "--name", CLIENT, script=REQRESP)
        deadline = time.monotonic() + 10
        while not os.path.exists(paused) and time.monotonic() < deadline:
            time.sleep(0.02)
        cgroups.move(path, c.pid)
        open(resume, "w").close()
        pid = c.result()["pid"]
    settle()
    events, _ = ns.events()
    close, = on_port(events, port)  # the connect came before the move
    assert (close["event.action"], close["process.pid"]) == ("close", pid)
    assert close["container.id"] == cid
    rows = [r for r in rows_of(lat) if r["latency.metric"] == "response"
            and r["network.direction"] == "egress"]
    counts = {r.get("container.id"): r["histogram.count"] for r in rows}
    assert counts == {None: 3, cid: 3}


def test_a_prefix_stays_with_the_container_it_named(pair, netsight_bin, cleanup, cgroups):
    """--container PREFIX names one container, as docker does: another one
    with the same prefix, started later, is not followed."""
    port = 5305
    first = "cafe" + container_id()[4:]
    second = "cafe" + container_id()[4:]
    one = cgroups.make(f"system.slice/docker-{first}.scope")
    reqresp(cleanup, pair, port)
    ns = start(cleanup, netsight_bin, "--container", "cafe")
    two = cgroups.make(f"system.slice/docker-{second}.scope")
    time.sleep(1.5)
    with tempfile.TemporaryDirectory() as tmp:
        go = os.path.join(tmp, "go")
        a = client_in(cleanup, cgroups, pair, one, port, go)
        b = client_in(cleanup, cgroups, pair, two, port, go)
        open(go, "w").close()
        want = a.result()["pid"]
        b.result()
    settle()
    events, err = ns.events()
    assert {e["process.pid"] for e in on_port(events, port)} == {want}
    assert f"--container cafe: following container {first[:12]}" in err
