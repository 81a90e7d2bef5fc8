# SPDX-License-Identifier: GPL-2.0-only
"""Every kind of JSON record netsight writes (each event.action of every
command, summary rows and loss records) checked against the ECS field
definitions in ecs.py: types, nesting, allowed values. Also one meaning of
source, destination and network.direction across commands."""
import json
import os
import signal
import time

import pytest

import ecs
from netlab import HERE, Netsight
from test_conns import CLIENT, SERVER, peer, settle

TROUBLE = os.path.join(HERE, "peers", "trouble.py")

EXPECTED = {
    "conns": {"connect", "accept", "close", "connect_failed"},
    "tcp": {"retransmit", "retransmit_failed", "synack_retransmit", "reset_sent",
            "reset_received", "listen_overflow"},
    "drops": {"drop"},
    "tcp --summary": {"tcp_summary"},
    "drops --summary": {"drop_summary"},
}


def test_checker_catches_what_ecs_refuses():
    """The checker itself: each of these is a mistake an ECS pipeline rejects
    or mis-indexes."""
    good = {"@timestamp": "2026-11-29T01:02:03.000001Z", "ecs.version": "8.17.0",
            "event.kind": "event", "event.category": ["network"],
            "event.type": ["connection", "start"], "event.action": "connect",
            "event.dataset": "netsight.conns", "source.ip": "10.0.0.1", "source.port": 5,
            "network.netns": 4026531840, "tcp.rtt_ms": 0.1}
    assert ecs.problems(good) == []
    bad = [
        {"error": "ECONNREFUSED"},  # error is an object in ECS
        {"error": "x", "error.code": "ECONNREFUSED"},
        {"interface.name": "eth0"},  # only nested under observer.*
        {"process.pid": "12"},
        {"source.ip": "not-an-ip"},
        {"event.type": "connection"},  # must be an array
        {"event.type": ["connection", "sideways"]},
        {"event.type": ["user"]},  # not a network type
        {"event.kind": "happening"},
        {"network.direction": "left"},
        {"network.netns": "4026531840"},
        {"network.mystery": 1},
        {"whatever": 1},
    ]
    for change in bad:
        assert ecs.problems({**good, **change}), change
    missing = dict(good)
    del missing["event.dataset"]
    assert ecs.problems(missing)


def nft(ns, rules):
    ns.run("nft", "-f", "-", input=f"""
table inet nsecs {{
  chain in {{
    type filter hook input priority 0; policy accept;
    {rules}
  }}
}}""")


def traffic(pair, cleanup, tmp_path):
    """Makes every event the commands report, between the pair's hosts."""
    hold = os.path.join(tmp_path, "hold")
    # A connection with data both ways, and one refused (a RST each way).
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", 6801, "--expect", 10,
               "--reply", 20, "--name", SERVER)
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", 6801, "--send", 10,
               "--expect", 20, "--name", CLIENT)
    cli.result()
    srv.result()
    peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", 6802,
         "--name", CLIENT).result()
    # A datagram to a closed port: a drop.
    peer(cleanup, pair.a, "udp-send", "--addr", pair.b4, "--port", 6803, "--count", 2,
         "--name", CLIENT, script=TROUBLE).result()
    # A listener that never accepts, backlog 1: overflows; its SYN-ACKs resent.
    lst = peer(cleanup, pair.b, "listen", "--addr", pair.b4, "--port", 6804, "--backlog", 1,
               "--hold-file", hold, "--name", SERVER, script=TROUBLE)
    many = peer(cleanup, pair.a, "connect-many", "--addr", pair.b4, "--port", 6804,
                "--count", 4, "--hold-file", hold, "--name", CLIENT, script=TROUBLE)
    # Data B never acknowledges, then no route from A: retransmissions, then failed
    # ones. And a handshake whose last ACK B never sees: SYN-ACKs resent.
    nft(pair.b, f"ip saddr {pair.a4} tcp dport 6805 ip length > 100 drop\n"
                "tcp dport 6808 tcp flags == ack drop")
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", 6805, "--expect", 300,
               "--reply", 1, "--name", SERVER)
    cli = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", 6805, "--send", 300,
               "--expect", 1, "--name", CLIENT)
    srv2 = peer(cleanup, pair.b, "server", "--bind", pair.b4, "--port", 6808, "--expect", 10,
                "--reply", 1, "--name", SERVER)
    cli2 = peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", 6808, "--send", 10,
                "--expect", 1, "--delay-send", 1.2, "--name", CLIENT)
    time.sleep(1.5)
    pair.a.ip("route", "add", "unreachable", f"{pair.b4}/32")
    time.sleep(3)
    pair.a.ip("route", "del", "unreachable", f"{pair.b4}/32")
    pair.b.run("nft", "delete", "table", "inet", "nsecs")
    for p in (cli, srv, cli2, srv2):
        p.result(timeout=90)
    open(hold, "w").close()
    lst.result()
    many.result()
    settle()


def test_every_record_is_ecs(pair, netsight_bin, cleanup, tmp_path):
    runs = {}
    for name in EXPECTED:
        ns = Netsight(netsight_bin, *name.split(), "-o", "json")
        cleanup(ns)
        runs[name] = ns
    traffic(pair, cleanup, tmp_path)
    seen = {}
    for name, ns in runs.items():
        text, err, code = ns.stop()
        assert code == 0, err
        records = [json.loads(line) for line in text.splitlines()]
        for r in records:
            assert ecs.problems(r) == [], (name, r)
            assert r["event.dataset"] == "netsight." + name.split()[0]
            assert r["event.kind"] == ("metric" if "summary" in name else "event")
        seen[name] = {r["event.action"] for r in records}
    for name, actions in EXPECTED.items():
        assert actions <= seen[name], (name, actions - seen[name])


def test_loss_records_are_ecs(netns, netsight_bin, cleanup):
    ns = Netsight(netsight_bin, "conns", "-o", "json", "--ringbuf-size", "4K",
                  "--port", 6806, "--allow-loss")
    cleanup(ns)
    ns.proc.send_signal(signal.SIGSTOP)
    try:
        srv = peer(cleanup, netns, "server", "--bind", "127.0.0.1", "--port", 6806,
                   "--count", 60, "--name", SERVER)
        peer(cleanup, netns, "client", "--connect", "127.0.0.1", "--port", 6806,
             "--count", 60, "--name", CLIENT).result()
        srv.result()
    finally:
        ns.proc.send_signal(signal.SIGCONT)
    text, err, code = ns.stop()
    assert code == 0, err
    records = [json.loads(line) for line in text.splitlines()]
    losses = [r for r in records if r["event.action"] == "events_lost"]
    assert losses
    for r in records:
        assert ecs.problems(r) == [], r


@pytest.mark.parametrize("command", ["conns", "tcp"])
def test_source_is_the_initiator_everywhere(pair, netsight_bin, cleanup, command):
    """A connection from A to B, refused with a RST and then accepted: in every
    command, source is A (who opened it), destination B, and the direction is
    the connection's as each host sees it."""
    ns = Netsight(netsight_bin, command, "-o", "json", "--port", 6807)
    cleanup(ns)
    peer(cleanup, pair.a, "client", "--connect", pair.b4, "--port", 6807,
         "--name", CLIENT).result()
    settle()
    events, _ = ns.events()
    assert events
    for e in events:
        assert (e["source.ip"], e["destination.ip"], e["destination.port"]) == \
            (pair.a4, pair.b4, 6807), e
        # B's events are ingress (A opened the connection), A's egress.
        want = "ingress" if e["network.netns"] == pair.b.inode() else "egress"
        assert e["network.direction"] == want, e
