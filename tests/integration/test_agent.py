# SPDX-License-Identifier: GPL-2.0-only
"""netsight agent, scraped by a real Prometheus server while known traffic
runs between two network namespaces; and how the agent starts and stops."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import require
from netlab import REQRESP, TROUBLE, Netsight
from test_conns import CLIENT, SERVER, peer, settle
from test_conns_runtime import programs_left
from test_dns import dnsmasq  # noqa: F401 (a fixture)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, accept=None):
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.headers.get("Content-Type"), r.read().decode()


class Agent(Netsight):
    def __init__(self, binary, *args):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(binary, "agent", "--listen", f"127.0.0.1:{self.port}", *args)


class Prometheus:
    """A Prometheus server on loopback scraping @target every second."""

    def __init__(self, target):
        self.dir = tempfile.TemporaryDirectory()
        self.port = free_port()
        config = os.path.join(self.dir.name, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    "scrape_configs:\n  - job_name: netsight\n"
                    f"    static_configs:\n      - targets: ['{target}']\n")
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={config}",
             f"--storage.tsdb.path={os.path.join(self.dir.name, 'data')}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                if get(f"http://127.0.0.1:{self.port}/-/ready")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.kill()
                raise RuntimeError("prometheus did not start")
            time.sleep(0.2)

    def query(self, expr):
        url = (f"http://127.0.0.1:{self.port}/api/v1/query?" +
               urllib.parse.urlencode({"query": expr}))
        body = json.loads(get(url)[2])
        assert body["status"] == "success", body
        return body["data"]["result"]

    def value(self, expr):
        result = self.query(expr)
        return float(result[0]["value"][1]) if result else None

    def wait_for(self, expr, want, timeout=20):
        """The value of @expr once it is @want, or the last one seen."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.value(expr)
            if got == want or time.monotonic() > deadline:
                return got
            time.sleep(0.5)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.dir.cleanup()


@pytest.fixture
def prometheus_bin(netsight_bin):
    require(shutil.which("prometheus") and shutil.which("promtool"),
            "prometheus is not installed (./scripts/install-deps --test)")


def test_prometheus_sees_exactly_the_traffic(pair, netsight_bin, prometheus_bin, cleanup):
    port, refused, udp = 5501, 5502, 5503
    agent = Agent(netsight_bin, "--label", "environment=test")
    cleanup(agent)
    prom = Prometheus(f"127.0.0.1:{agent.port}")
    cleanup(prom)
    peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", f"{port}:20",
         "--name", SERVER, script=REQRESP)
    peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port, "--requests", 5,
         "--connections", 4, "--name", CLIENT, script=REQRESP).result()
    for _ in range(3):  # nothing listens: a RST each
        subprocess.run(["ip", "netns", "exec", pair.a.name, "python3", "-c",
                        "import socket\ntry:\n socket.create_connection(("
                        f"'{pair.b4}', {refused}))\nexcept OSError: pass"], check=True)
    peer(cleanup, pair.a, "udp-send", "--addr", pair.b4, "--port", udp, "--count", 7,
         "--name", CLIENT, script=TROUBLE).result()
    settle()
    sel = f'environment="test",destination_port="{port}"'
    assert prom.wait_for(f'sum(netsight_tcp_connections_opened_total{{{sel},'
                         'direction="egress"})', 4) == 4
    assert prom.value(f'sum(netsight_tcp_connections_opened_total{{{sel},'
                      'direction="ingress"})') == 4
    assert prom.wait_for(
        'sum(netsight_tcp_connect_failures_total{error="ECONNREFUSED",'
        f'destination="{pair.b4}:{refused}"}})', 3) == 3
    assert prom.wait_for(
        'sum(netsight_drops_total{reason="NO_SOCKET",process="' + CLIENT[:15] + '"})',
        7) == 7
    assert prom.wait_for(
        f'sum(netsight_tcp_response_duration_seconds_count{{process="{CLIENT[:15]}"}})',
        20) == 20
    p50 = prom.value('histogram_quantile(0.5, sum by (le) ('
                     f'netsight_tcp_response_duration_seconds_bucket{{process="{CLIENT[:15]}"}}'
                     '))')
    assert 0.016384 < p50 <= 0.032768
    # The endpoint itself passes promtool's lint.
    status, ctype, text = get(f"{agent.url}/metrics")
    assert status == 200 and ctype.startswith("text/plain; version=0.0.4")
    lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                          text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    status, ctype, text = get(f"{agent.url}/metrics", "application/openmetrics-text")
    assert ctype.startswith("application/openmetrics-text") and text.endswith("# EOF\n")


def test_endpoints_lock_and_clean_stop(netsight_bin, cleanup):
    require(shutil.which("bpftool"), "bpftool is not installed")
    agent = Agent(netsight_bin)
    cleanup(agent)
    assert get(f"{agent.url}/healthz")[:3:2] == (200, "ok\n")
    with pytest.raises(urllib.error.HTTPError) as e:
        get(f"{agent.url}/nothing")
    assert e.value.code == 404
    second = subprocess.run([netsight_bin, "agent", "--listen", f"127.0.0.1:{free_port()}",
                             "--duration", "1"], capture_output=True, text=True, timeout=60)
    assert second.returncode == 1
    assert "another netsight agent is running" in second.stderr
    text, err, code = agent.stop(sig=15)
    assert code == 0, err
    assert programs_left() == []


def test_a_stalled_scraper_does_not_stop_the_agent(pair, netsight_bin, cleanup):
    """A client that connects and sends half a request holds a connection of
    the server's, not the agent's event loop."""
    import socket
    agent = Agent(netsight_bin)
    cleanup(agent)
    stalled = [socket.create_connection(("127.0.0.1", agent.port)) for _ in range(4)]
    for s in stalled:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
    port = 5504
    peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", f"{port}:0",
         "--name", SERVER, script=REQRESP)
    peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port, "--connections", 3,
         "--name", CLIENT, script=REQRESP).result()
    settle()
    time.sleep(1.2)
    text = get(f"{agent.url}/metrics")[2]
    line = [l for l in text.splitlines()
            if l.startswith("netsight_tcp_connections_opened_total{")
            and 'direction="egress"' in l and f'destination_port="{port}"' in l]
    assert len(line) == 1 and line[0].endswith(" 3")
    for s in stalled:
        s.close()


DEPLOY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy")


def test_deploy_files_lint_and_name_real_metrics(netsight_bin, prometheus_bin, cleanup):
    """promtool accepts the example configuration and alert rules, and every
    metric the rules and the Grafana dashboard use is one the agent serves."""
    import re
    import yaml
    for what, path in (("config", "prometheus.yml"), ("rules", "alerts.yml")):
        r = subprocess.run(["promtool", "check", what, os.path.join(DEPLOY, path)],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
    agent = Agent(netsight_bin)
    cleanup(agent)
    served = set(re.findall(r"^# TYPE (\S+) ", get(f"{agent.url}/metrics")[2], re.M))
    served |= {n + suffix for n in served for suffix in ("_bucket", "_sum", "_count")}
    with open(os.path.join(DEPLOY, "alerts.yml")) as f:
        exprs = [r["expr"] for g in yaml.safe_load(f)["groups"] for r in g["rules"]]
    with open(os.path.join(DEPLOY, "grafana-dashboard.json")) as f:
        exprs += [t["expr"] for p in json.load(f)["panels"] for t in p["targets"]]
    used = {m for e in exprs for m in re.findall(r"\b((?:netsight|process)_[a-z_]+)", e)}
    assert used and used <= served | {"up"}, used - served
    # The DaemonSet asks for capabilities, not for a privileged container.
    with open(os.path.join(DEPLOY, "daemonset.yaml")) as f:
        pod = yaml.safe_load(f)["spec"]["template"]["spec"]
    sc = pod["containers"][0]["securityContext"]
    assert pod["hostPID"] and not pod.get("hostNetwork") and not sc["privileged"]
    assert {"BPF", "PERFMON"} <= set(sc["capabilities"]["add"])
    with open(os.path.join(DEPLOY, "netsight.service")) as f:
        unit = f.read()
    for setting in ("CapabilityBoundingSet=CAP_BPF", "NoNewPrivileges=yes",
                    "ProtectSystem=strict"):
        assert setting in unit


def test_series_stay_bounded(netns, netsight_bin, cleanup):
    """Thousands of destinations and a crowd of short-lived processes: each
    metric keeps --max-series label sets, the rest counted as folded."""
    import re
    agent = Agent(netsight_bin, "--max-series", 40, "--addr", "127.0.0.1")
    cleanup(agent)
    script = (
        "import ctypes, os, socket\n"
        "for port in range(6000, 7000):\n"
        "    try:\n"
        "        socket.create_connection(('127.0.0.1', port)).close()\n"
        "    except OSError:\n"
        "        pass\n"
        "srv = socket.socket(); srv.bind(('127.0.0.1', 6999)); srv.listen(512)\n"
        "for i in range(150):\n"
        "    if os.fork() == 0:\n"
        "        ctypes.CDLL(None).prctl(15, f'short{i}'.encode(), 0, 0, 0)\n"
        "        socket.create_connection(('127.0.0.1', 6999)).close()\n"
        "        os._exit(0)\n"
        "    os.wait()\n")
    netns.run("python3", "-c", script)
    time.sleep(2.5)
    text = get(f"{agent.url}/metrics")[2]
    failures = [l for l in text.splitlines()
                if l.startswith("netsight_tcp_connect_failures_total{")]
    opened = [l for l in text.splitlines()
              if l.startswith("netsight_tcp_connections_opened_total{")
              and 'direction="egress"' in l]
    assert len(failures) == 40
    assert len(opened) <= 40
    total = sum(float(l.rsplit(" ", 1)[1]) for l in failures)
    assert total == 1000  # every refused connect is still counted
    folded = dict(re.findall(
        r'^netsight_series_folded_total\{metric="(\w+)"\} (\d+)', text, re.M))
    assert int(folded["netsight_tcp_connect_failures_total"]) == 1000 - 39
    assert int(folded["netsight_tcp_connections_opened_total"]) > 0


def test_service_map_of_three_tiers(pair, netsight_bin, cleanup):
    """client (host a) -> proxy (host b) -> backend (host b): two edges, each
    with the process that serves it, and nothing else on those ports."""
    front, back = 5511, 5512
    agent = Agent(netsight_bin)
    cleanup(agent)
    peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", f"{back}:0",
         "--name", "backend-tier", script=REQRESP)
    peer(cleanup, pair.b, "proxy", "--bind", pair.b4, "--port", front,
         "--upstream", f"{pair.b4}:{back}", "--name", "proxy-tier", script=REQRESP)
    peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", front, "--requests", 2,
         "--connections", 3, "--name", "client-tier", script=REQRESP).result()
    # The kernel's counts are read once a second: wait for the last closes.
    deadline = time.monotonic() + 5
    while True:
        doc = json.loads(get(f"{agent.url}/api/v1/map")[2])
        edges = {(e["source"].get("process"), e["destination"]["ip"], e["destination"]["port"],
                  e["destination"].get("process")): e
                 for e in doc["edges"] if e["destination"].get("port") in (front, back)}
        if all(e["bytes_received"] == 6 for e in edges.values()) and len(edges) == 2 or \
                time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert set(edges) == {("client-tier", pair.b4, front, "proxy-tier"),
                          ("proxy-tier", pair.b4, back, "backend-tier")}
    for e in edges.values():
        assert (e["connections"], e["failures"]) == (3, 0)
        assert e["bytes_sent"] == 6 and e["bytes_received"] == 6
        assert e["connect_latency"]["count"] == 3
    dot = get(f"{agent.url}/api/v1/map.dot")[2]
    assert dot.startswith("digraph netsight {")
    assert f'"client-tier" -> "proxy-tier\\n{pair.b4}:{front}" [label="3 connections"];' in dot
    # The command line asks the agent.
    text = subprocess.run([netsight_bin, "map", "--agent", f"127.0.0.1:{agent.port}"],
                          capture_output=True, text=True, timeout=30)
    assert text.returncode == 0, text.stderr
    assert any(l.startswith("client-tier") and f"{pair.b4}:{front} (proxy-tier)" in l
               for l in text.stdout.splitlines())


def test_log_reopens_on_sighup_and_carries_labels(netns, netsight_bin, cleanup):
    """logrotate moves the file away and sends SIGHUP: later events go to a new file."""
    import signal
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "events.jsonl")
        agent = Agent(netsight_bin, "--log", log, "--label", "environment=test")
        cleanup(agent)
        script = ("import socket, sys\n"
                  "srv = socket.socket(); srv.bind(('127.0.0.1', int(sys.argv[1]))); srv.listen()\n"
                  "c = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n"
                  "a, _ = srv.accept(); c.close(); a.close()\n")
        netns.run("python3", "-c", script, "5521")
        time.sleep(0.5)
        os.rename(log, log + ".1")
        agent.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        netns.run("python3", "-c", script, "5522")
        netns.run("python3", "-c", "import socket; socket.socket(socket.AF_INET, "
                  "socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', 5523))")
        time.sleep(0.5)
        _, err, code = agent.stop()
        assert code == 0, err
        assert "reopened" in err

        def events(path, port):
            with open(path) as f:
                lines = [json.loads(l) for l in f]
            return [e for e in lines if port in (e.get("source.port"), e.get("destination.port"))]

        def conn_actions(evs):
            return sorted(e["event.action"] for e in evs
                          if e["event.action"] in ("connect", "accept", "close", "connect_failed"))

        old, new = events(log + ".1", 5521), events(log, 5522)
        assert conn_actions(old) == ["accept", "close", "close", "connect"]
        assert conn_actions(new) == ["accept", "close", "close", "connect"]
        assert not events(log, 5521) and not events(log + ".1", 5522)
        assert all(e["labels.environment"] == "test" for e in old + new)
        # Every family's events: a datagram to a port nobody listens on is dropped.
        assert [e["drop.reason"] for e in events(log, 5523)] == ["NO_SOCKET"]
        # Each in the dataset of the command that reports it.
        assert {e["event.dataset"] for e in events(log, 5523)} == {"netsight.drops"}
        assert {e["event.dataset"] for e in new
                if e["event.action"] in ("connect", "accept", "close")} == {"netsight.conns"}


def test_a_refused_probe_is_exported_as_down(netsight_bin, cleanup):
    """A program the kernel refuses: a 0 for it (and, where it is required,
    for its family's), said once on stderr; the other families go on."""
    agent = Agent(netsight_bin, "--refuse-hook", "tp_btf/tcp_receive_reset",
                  "--refuse-hook", "iter/udp")
    cleanup(agent)
    text = get(f"{agent.url}/metrics")[2]
    for program in ("conn_tcp_receive_reset", "conn_inet_sock_set_state"):
        assert f'netsight_probe_up{{family="conn",program="{program}"}} 0' in text
    assert 'netsight_probe_up{family="owner",program="owner_iter_udp"} 0' in text
    assert 'netsight_probe_up{family="owner",program="owner_iter_tcp"} 1' in text
    assert 'netsight_probe_up{family="drop",program="drop_kfree_skb"} 1' in text
    _, err, code = agent.stop()
    assert code == 0
    assert err.count("conn metrics are unavailable") == 1

def test_map_watches_by_itself(netns, netsight_bin, cleanup):
    proc = subprocess.Popen([netsight_bin, "map", "--duration", "3", "--format", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    time.sleep(1.5)
    netns.run("python3", "-c",
              "import socket\nsrv = socket.socket(); srv.bind(('127.0.0.1', 5523)); "
              "srv.listen()\nfor _ in range(2):\n"
              "    c = socket.create_connection(('127.0.0.1', 5523)); a, _ = srv.accept()\n"
              "    c.close(); a.close()\n")
    out, err = proc.communicate(timeout=max(1, deadline - time.monotonic()))
    assert proc.returncode == 0, err
    edges = [e for e in json.loads(out)["edges"] if e["destination"].get("port") == 5523]
    assert len(edges) == 1 and edges[0]["connections"] == 2
    assert edges[0]["source"]["process"] == edges[0]["destination"]["process"] == "python3"


def metric_lines(agent, name):
    return [l for l in get(f"{agent.url}/metrics")[2].splitlines()
            if l.startswith(name + "{")]


def test_listen_overflows_agree_with_the_kernel(pair, netsight_bin, cleanup, tmp_path):
    from netlab import counter_delta
    from test_tcp import overflow
    agent = Agent(netsight_bin)
    cleanup(agent)
    b0 = pair.b.counters()
    port, srv, cli, hold = overflow(pair, cleanup, tmp_path)
    time.sleep(4)  # clients retransmit their SYNs into the full queue
    open(hold, "w").close()
    srv.result()
    cli.result()
    b1 = pair.b.counters()  # the listener is gone: nothing overflows any more
    time.sleep(1.5)  # one more reading of the kernel's tables
    want = counter_delta(b0, b1, "TcpExtListenOverflows")["TcpExtListenOverflows"]
    lines = [l for l in metric_lines(agent, "netsight_tcp_listen_overflows_total")
             if f'listen_port="{port}"' in l]
    assert len(lines) == 1 and f'process="{SERVER[:15]}"' in lines[0]
    assert want > 0 and float(lines[0].rsplit(" ", 1)[1]) == want


def test_container_series_carry_its_id_and_expire(pair, netsight_bin, cleanup):
    """A container's connections are labelled with its short id; once it is
    gone and --series-ttl has passed, its series are too."""
    from test_containers import Cgroups, container_id
    cg = Cgroups()
    cleanup(type("Remove", (), {"kill": lambda self: cg.close()})())
    cid = container_id()
    path = cg.make(f"system.slice/docker-{cid}.scope")
    port = 5531
    agent = Agent(netsight_bin, "--series-ttl", 3)
    cleanup(agent)
    peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", f"{port}:0",
         "--name", SERVER, script=REQRESP)
    with tempfile.TemporaryDirectory() as tmp:
        go = os.path.join(tmp, "go")
        c = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
                 "--requests", 2, "--start-file", go, "--name", CLIENT, script=REQRESP)
        cg.move(path, c.pid)
        open(go, "w").close()
        c.result()
    time.sleep(1.5)
    mine = [l for l in metric_lines(agent, "netsight_tcp_connections_opened_total")
            if f'destination_port="{port}"' in l and 'direction="egress"' in l]
    assert len(mine) == 1 and f'container="{cid[:12]}"' in mine[0] and mine[0].endswith(" 1")
    cg.remove(path)
    time.sleep(5)
    assert not [l for l in get(f"{agent.url}/metrics")[2].splitlines() if cid[:12] in l]


def test_prometheus_sees_retransmits_bytes_and_a_containers_connections(
        pair, netsight_bin, prometheus_bin, cleanup):
    """A client in a container's cgroup loses one in four of its data segments:
    through Prometheus, its retransmits are the kernel's TcpRetransSegs, its
    connections, connect times and bytes are exact, under the container's id."""
    from netlab import counter_delta
    from test_containers import Cgroups, container_id
    port, count, size = 5541, 8, 300
    cg = Cgroups()
    cleanup(type("Remove", (), {"kill": lambda self: cg.close()})())
    cid = container_id()
    path = cg.make(f"system.slice/docker-{cid}.scope")
    pair.drop_every_fourth(port)
    agent = Agent(netsight_bin)
    cleanup(agent)
    prom = Prometheus(f"127.0.0.1:{agent.port}")
    cleanup(prom)
    a0 = pair.a.counters()
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", port, "--count", count,
               "--expect", size, "--reply", 2 * size, "--name", SERVER)
    with tempfile.TemporaryDirectory() as tmp:
        go = os.path.join(tmp, "go")
        cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", port,
                   "--count", count, "--send", size, "--expect", 2 * size, "--start-file", go,
                   "--name", CLIENT)
        cg.move(path, cli.pid)
        open(go, "w").close()
        assert cli.result()["errors"] == []
    srv.result()
    time.sleep(1.5)  # loss-probe and RTO timers finish
    rtx = counter_delta(a0, pair.a.counters(), "TcpRetransSegs")["TcpRetransSegs"]
    mine = f'process="{CLIENT[:15]}",container="{cid[:12]}"'
    assert rtx > 0
    assert prom.wait_for(f"sum(netsight_tcp_retransmitted_segments_total{{{mine}}})",
                         rtx) == rtx
    assert prom.value(f'sum(netsight_tcp_connections_opened_total{{{mine},'
                      f'destination_port="{port}",direction="egress"}})') == count
    assert prom.wait_for(f'sum(netsight_tcp_sent_bytes_total{{{mine}}})',
                         count * size) == count * size
    assert prom.value(f'sum(netsight_tcp_received_bytes_total{{{mine}}})') == 2 * count * size
    # The server's side: it accepted them (ingress), and sent the larger half.
    server = f'process="{SERVER[:15]}",direction="ingress"'
    assert prom.wait_for(f'sum(netsight_tcp_sent_bytes_total{{{server}}})',
                         2 * count * size) == 2 * count * size
    assert prom.value(f'sum(netsight_tcp_received_bytes_total{{{server}}})') == count * size
    assert prom.value(f'sum(netsight_tcp_connect_duration_seconds_count{{{mine}}})') == count


def test_flow_metrics_of_an_interface(pair, netsight_bin, cleanup):
    """agent --iface: netsight_flow_* counts the packets and bytes of each flow."""
    from test_flows import UDP_PORT, offloads_off
    offloads_off(pair)
    agent = Agent(netsight_bin, "--netns", f"/run/netns/{pair.a.name}", "--iface", pair.dev_a)
    cleanup(agent)
    peer(cleanup, pair.a, "udp-send", "--addr", pair.b4, "--port", UDP_PORT, "--count", 7,
         "--size", 100, "--name", CLIENT, script=TROUBLE).result()
    sel = (f'interface="{pair.dev_a}",direction="egress",protocol="udp",source="{pair.a4}",'
           f'destination="{pair.b4}",destination_port="{UDP_PORT}"')
    deadline = time.monotonic() + 10
    while True:
        text = get(f"{agent.url}/metrics")[2]
        if f"netsight_flow_packets_total{{{sel}}} 7" in text or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert f"netsight_flow_packets_total{{{sel}}} 7" in text
    assert f"netsight_flow_bytes_total{{{sel}}} 896" in text
    _, err, code = agent.stop()
    assert code == 0, err
    from test_flows import links_left
    assert not links_left()



def test_dns_metrics(dnsmasq, netsight_bin, cleanup):
    """DNS queries, answers by response code and timeouts, per process."""
    from test_dns import CLIENT
    pair = dnsmasq
    agent = Agent(netsight_bin, "--dns")
    cleanup(agent)
    queries = [[pair.b4, "web.test", 1, False, 1], [pair.b4, "web.test", 1, False, 2],
               [pair.b4, "nope.test", 28, False, 3], ["10.231.250.9", "lost.test", 1, False, 4]]
    pair.a.run("python3", "-c", CLIENT, json.dumps(queries))
    time.sleep(6)  # the lost query times out after 5 s
    text = get(f"{agent.url}/metrics")[2]
    mine = 'process="python3",container=""'
    assert f'netsight_dns_queries_total{{type="A",{mine},server="{pair.b4}"}} 2' in text
    assert f'netsight_dns_queries_total{{type="AAAA",{mine},server="{pair.b4}"}} 1' in text
    assert f'netsight_dns_responses_total{{response_code="NOERROR",{mine}}} 2' in text
    assert f'netsight_dns_responses_total{{response_code="NXDOMAIN",{mine}}} 1' in text
    assert f'netsight_dns_timeouts_total{{server="10.231.250.9",{mine}}} 1' in text
    assert f'netsight_dns_latency_seconds_count{{{mine}}} 3' in text


def test_any_process_name_keeps_every_output_valid(netns, netsight_bin, prometheus_bin, cleanup):
    """A process may name itself anything: quotes, backslashes, control
    characters, bytes that are not UTF-8. The scrape still lints, the map is
    still JSON, and the text and DOT maps carry no raw control character."""
    agent = Agent(netsight_bin)
    cleanup(agent)
    netns.run("python3", "-c",
              "import ctypes, socket\n"
              "ctypes.CDLL(None).prctl(15, b'q\"b\\\\c\\nd\\xff\\x1b[31m', 0, 0, 0)\n"
              "socket.socket().connect_ex(('127.0.0.1', 5561))\n")
    time.sleep(2.5)
    text = get(f"{agent.url}/metrics")[2]
    # Valid UTF-8 (ESC included) as it is, escaped as the format says; other bytes as \\xNN.
    assert 'process="q\\"b\\\\c\\nd\\\\xff\x1b[31m"' in text
    lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                          text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    with urllib.request.urlopen(f"{agent.url}/api/v1/map", timeout=10) as r:
        doc = json.loads(r.read().decode("utf-8"))  # strict: valid UTF-8
    assert any(e["source"].get("process", "").startswith('q"b') for e in doc["edges"])
    for out in (subprocess.run([netsight_bin, "map", "--agent", f"127.0.0.1:{agent.port}"],
                               capture_output=True, timeout=30).stdout,
                get(f"{agent.url}/api/v1/map.dot")[2].encode()):
        assert b"\x1b" not in out and b"\xff" not in out
        assert b"\\x1b[31m" in out  # ESC shown as text
