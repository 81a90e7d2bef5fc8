# SPDX-License-Identifier: GPL-2.0-only
"""netsight dns against a real DNS server: dnsmasq on host b answering from a
hosts file, authoritative for .test, and a client on host a making known
queries, over UDP and TCP, one of them to an address that never answers."""
import json
import os
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import require
from netlab import Netsight

CLIENT = r'''
import json, os, socket, struct, sys
def query(server, name, qtype, tcp, qid):
    msg = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    msg += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    msg += struct.pack("!HH", qtype, 1)
    if tcp:
        s = socket.create_connection((server, 53), timeout=3)
        s.sendall(struct.pack("!H", len(msg)) + msg)
        s.recv(4096)
    else:
        s = socket.socket(socket.AF_INET6 if ":" in server else socket.AF_INET,
                          socket.SOCK_DGRAM)
        s.settimeout(1.5)
        s.sendto(msg, (server, 53))
        try:
            s.recv(4096)
        except socket.timeout:
            pass
    s.close()
for server, name, qtype, tcp, qid in json.loads(sys.argv[1]):
    query(server, name, qtype, tcp, qid)
print(os.getpid())
'''


@pytest.fixture
def dnsmasq(pair, cleanup):
    require(shutil.which("dnsmasq"), "dnsmasq is not installed (./scripts/install-deps --test)")
    tmp = tempfile.TemporaryDirectory()
    hosts = os.path.join(tmp.name, "hosts")
    with open(hosts, "w") as f:
        f.write("10.1.2.3 web.test\nfd00::3 web.test\n")
    proc = pair.b.popen("dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts",
                        f"--addn-hosts={hosts}", "--local=/test/", f"--listen-address={pair.b4}",
                        "--bind-interfaces", "--port=53", f"--pid-file={tmp.name}/pid",
                        "--log-facility=/dev/null", stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)
    cleanup(type("Stop", (), {"kill": lambda self: (proc.kill(), proc.wait(),
                                                     tmp.cleanup())})())
    time.sleep(0.5)
    # An address on host b where nothing answers, and nothing says so.
    pair.b.ip("addr", "add", "10.231.250.9/32", "dev", pair.dev_b)
    pair.a.ip("route", "add", "10.231.250.9/32", "via", pair.b4)
    pair.b.run("nft", "-f", "-", input="""
        table inet nsdns {
            chain in {
                type filter hook input priority 0; policy accept;
                ip daddr 10.231.250.9 udp dport 53 drop
            }
        }""")
    return pair


def by_action(events, action):
    return [e for e in events if e["event.action"] == action]


def test_queries_answers_and_a_timeout(dnsmasq, netsight_bin, cleanup):
    pair = dnsmasq
    ns = Netsight(netsight_bin, "dns", "--timeout", "1s", "-o", "json")
    cleanup(ns)
    queries = [[pair.b4, "web.test", 1, False, 101], [pair.b4, "nope.test", 1, False, 102],
               [pair.b4, "web.test", 28, True, 103], ["10.231.250.9", "lost.test", 1, False, 104]]
    out = pair.a.run("python3", "-c", CLIENT, json.dumps(queries)).stdout
    pid = int(out.split()[-1])
    time.sleep(1.5)  # the last query times out
    events, _ = ns.events()
    mine = [e for e in events if e.get("process.pid") == pid]
    sent = {e["dns.id"]: e for e in by_action(mine, "dns_query")}
    answers = {e["dns.id"]: e for e in by_action(mine, "dns_answer")}
    timeouts = by_action(mine, "dns_timeout")
    assert set(sent) == {"101", "102", "103", "104"}
    assert set(answers) == {"101", "102", "103"}
    assert [t["dns.id"] for t in timeouts] == ["104"]
    assert sent["101"]["dns.question.name"] == "web.test"
    assert sent["101"]["dns.question.type"] == "A"
    assert sent["103"]["dns.question.type"] == "AAAA"
    assert sent["103"]["network.transport"] == "tcp"
    assert sent["101"]["network.transport"] == "udp"
    assert sent["101"]["destination.ip"] == pair.b4 and sent["101"]["destination.port"] == 53
    assert sent["101"]["process.name"] == "python3"
    assert (answers["101"]["dns.response_code"], answers["101"]["dns.answers_count"]) == \
        ("NOERROR", 1)
    assert answers["101"]["event.outcome"] == "success"
    assert answers["102"]["dns.response_code"] == "NXDOMAIN"
    assert answers["102"]["event.outcome"] == "failure"
    assert answers["103"]["dns.response_code"] == "NOERROR"
    for a in answers.values():
        assert 0 < a["dns.latency_ms"] < 1000
        assert a["source.ip"] == pair.b4 and a["dns.type"] == "answer"
    assert timeouts[0]["dns.latency_ms"] == 1000
    assert timeouts[0]["event.outcome"] == "failure"
    assert timeouts[0]["dns.question.name"] == "lost.test"


def test_summary_per_process_and_name(dnsmasq, netsight_bin, cleanup):
    pair = dnsmasq
    ns = Netsight(netsight_bin, "dns", "--summary", "--timeout", "1s", "-o", "json")
    cleanup(ns)
    queries = [[pair.b4, "web.test", 1, False, i] for i in range(3)]
    queries += [[pair.b4, "nope.test", 1, False, 10 + i] for i in range(2)]
    queries += [["10.231.250.9", "lost.test", 1, False, 20]]
    out = pair.a.run("python3", "-c", CLIENT, json.dumps(queries)).stdout
    pid = int(out.split()[-1])
    time.sleep(1.5)
    events, _ = ns.events()
    rows = {e["dns.question.name"]: e for e in events
            if e["event.action"] == "dns_summary" and e.get("process.pid") == pid}
    assert (rows["web.test"]["count"], rows["web.test"]["dns.errors"]) == (3, 0)
    assert rows["web.test"]["dns.response_codes"] == "NOERROR=3"
    assert (rows["nope.test"]["count"], rows["nope.test"]["dns.errors"]) == (2, 2)
    assert rows["nope.test"]["dns.response_codes"] == "NXDOMAIN=2"
    assert (rows["lost.test"]["count"], rows["lost.test"]["dns.timeouts"]) == (1, 1)
    assert rows["web.test"]["latency.p50_us"] > 0


@pytest.mark.parametrize("args, message", [
    (["--dns-port", "0"], "expected 1 to 65535"),
    (["--timeout", "soon"], "invalid --timeout"),
    (["--timeout", "-1s"], "invalid --timeout"),
])
def test_bad_input_is_refused_clearly(netsight_bin, args, message):
    r = subprocess.run([netsight_bin, "dns", *args, "--duration", "1"], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr


@pytest.mark.parametrize("mode", [[], ["--xdp"]], ids=["tc", "xdp"])
def test_by_client_counts_a_servers_queries_in_the_kernel(dnsmasq, netsight_bin, cleanup,
                                                          mode):
    """On the server's side: queries per client and type, at TC or XDP."""
    pair = dnsmasq
    pair.b.run("ethtool", "-K", pair.dev_b, "gro", "off", check=False)
    ns = Netsight(netsight_bin, "dns", "--by", "client", "--netns", f"/run/netns/{pair.b.name}",
                  "--iface", pair.dev_b, *mode, "--interval", "1", "-o", "json")
    cleanup(ns)
    queries = [[pair.b4, "web.test", 1, False, i] for i in range(3)]
    queries += [[pair.b4, "web.test", 28, False, 10 + i] for i in range(2)]
    queries += [[pair.b4, "web.test", 28, True, 20]]  # over TCP: not counted here
    pair.a.run("python3", "-c", CLIENT, json.dumps(queries))
    time.sleep(1.5)
    events, _ = ns.events()
    rows = [e for e in events if e["event.action"] == "dns_clients"
            and e.get("summary.scope", "interval") == "interval"]
    counts = {}
    for r in rows:
        assert r["source.ip"] == pair.a4
        counts[r["dns.question.type"]] = counts.get(r["dns.question.type"], 0) + r["count"]
    assert counts == {"A": 3, "AAAA": 2}
    totals = {e["dns.question.type"]: e["count"] for e in events
              if e["event.action"] == "dns_clients" and e.get("summary.scope") == "total"}
    assert totals == {"A": 3, "AAAA": 2}
