# SPDX-License-Identifier: GPL-2.0-only
"""netsight drops against drops the tests cause: exact counts per reason
(checked against nstat and nftables' own counters), the kernel location, the
packet's tuple, and the socket owner when there is one."""
import json
import os
import re

import pytest

from netlab import Netsight, TROUBLE, Peer, counter_delta, run
from test_conns import settle

SENDER, SINK, SERVER = "nsx-sender", "nsx-sink", "nsx-server"


def drops(cleanup, binary, *args):
    ns = Netsight(binary, "drops", "-o", "json", *args)
    cleanup(ns)
    return ns


def trouble(cleanup, ns, role, *args):
    p = Peer(ns, role, *args, script=TROUBLE)
    cleanup(p)
    return p


def mine(events, reason, port):
    return [e for e in events
            if e["drop.reason"] == reason and e.get("destination.port") == port]


def nft_drop_udp(ns, hook, port):
    """A counting nftables rule in namespace @ns (table inet nstest, gone with
    the namespace) that drops UDP to @port at @hook."""
    ns.run("nft", "-f", "-", input=f"""
        table inet nstest {{
            chain c {{
                type filter hook {hook} priority 0; policy accept;
                udp dport {port} counter drop
            }}
        }}""")


def test_udp_to_a_closed_port_is_no_socket(pair, netsight_bin, cleanup):
    count, port = 7, 6001
    ns = drops(cleanup, netsight_bin)
    b0 = pair.b.counters()
    sender = trouble(cleanup, pair.a, "udp-send", "--addr", pair.b4, "--port", port,
                     "--count", count, "--name", SENDER)
    sender.result()
    settle()
    b1 = pair.b.counters()
    events, _ = ns.events()
    found = mine(events, "NO_SOCKET", port)
    assert len(found) == count == counter_delta(b0, b1, "UdpNoPorts")["UdpNoPorts"]
    for e in found:
        assert re.fullmatch(r"__udp4_lib_rcv\+0x[0-9a-f]+", e["drop.location"]), e
        assert (e["source.ip"], e["destination.ip"]) == (pair.a4, pair.b4)
        assert e["network.transport"] == "udp" and e["network.iana_number"] == "17"
        assert e["network.netns"] == pair.b.inode()
        assert e["observer.ingress.interface.name"] == pair.dev_b
        assert e["network.direction"] == "ingress"
        assert "observer.egress.interface.name" not in e
        # Nobody owns a closed port: the process is the one the kernel ran for.
        assert e["drop.attribution"] == "context"


def test_netfilter_drop_rule(pair, netsight_bin, cleanup):
    count, port = 5, 6002
    nft_drop_udp(pair.b, "input", port)
    ns = drops(cleanup, netsight_bin, "--reason", "NETFILTER_DROP")
    sender = trouble(cleanup, pair.a, "udp-send", "--addr", pair.b4, "--port", port,
                     "--count", count, "--name", SENDER)
    sender.result()
    settle()
    events, _ = ns.events()
    rule = json.loads(pair.b.run("nft", "-j", "list", "table", "inet", "nstest").stdout)
    counted = [item["rule"]["expr"] for item in rule["nftables"] if "rule" in item]
    packets = [x["counter"]["packets"] for expr in counted for x in expr if "counter" in x]
    assert {e["drop.reason"] for e in events} == {"NETFILTER_DROP"}
    found = mine(events, "NETFILTER_DROP", port)
    assert len(found) == count == packets[0]
    for e in found:
        # Inside netfilter: nf_hook_slow, nft_do_chain and the like.
        assert re.match(r"(nf|nft)_\w+\+0x", e["drop.location"]), e
        assert (e["source.ip"], e["destination.ip"]) == (pair.a4, pair.b4)
        assert e["network.netns"] == pair.b.inode()


def test_netfilter_drop_on_the_way_out_is_egress(pair, netsight_bin, cleanup):
    """Dropped at the output hook, before routing gives it a device: the
    packet is still this host's, leaving (egress), owned by its sender."""
    count, port = 4, 6003
    nft_drop_udp(pair.a, "output", port)
    ns = drops(cleanup, netsight_bin, "--reason", "NETFILTER_DROP")
    sender = trouble(cleanup, pair.a, "udp-send", "--addr", pair.b4, "--port", port,
                     "--count", count, "--name", SENDER)
    sender_pid = sender.result()["pid"]
    settle()
    events, _ = ns.events()
    found = mine(events, "NETFILTER_DROP", port)
    assert len(found) == count
    for e in found:
        assert e["network.direction"] == "egress", e
        assert not any(k.startswith("observer.ingress.") for k in e), e
        assert e["process.pid"] == sender_pid and e["drop.attribution"] == "owner", e
        assert e["network.netns"] == pair.a.inode()


@pytest.mark.parametrize("sink_first", [True, False], ids=["sink-before-start",
                                                         "sink-after-start"])
def test_receive_buffer_overflow_is_the_sinks(pair, netsight_bin, cleanup, tmp_path,
                                               sink_first):
    """A UDP socket that never reads: its owner, not the sender, is named,
    whether the socket existed before netsight started or not."""
    count, port = 40, 6003
    hold = os.path.join(tmp_path, "done")

    def start_sink():
        return trouble(cleanup, pair.b, "udp-sink", "--addr", pair.b4, "--port", port,
                       "--rcvbuf", 1024, "--hold-file", hold, "--name", SINK)

    sink = start_sink() if sink_first else None
    ns = drops(cleanup, netsight_bin, "--reason", "SOCKET_RCVBUFF")
    sink = sink or start_sink()
    b0 = pair.b.counters()
    sender = trouble(cleanup, pair.a, "udp-send", "--addr", pair.b4, "--port", port,
                     "--count", count, "--size", 1000, "--name", SENDER)
    sender.result()
    settle()
    b1 = pair.b.counters()
    open(hold, "w").close()
    sink.result()
    events, _ = ns.events()
    found = mine(events, "SOCKET_RCVBUFF", port)
    assert len(found) > 0
    assert len(found) == counter_delta(b0, b1, "UdpRcvbufErrors")["UdpRcvbufErrors"]
    for e in found:
        assert (e["process.pid"], e["process.name"]) == (sink.pid, SINK), e
        assert e["drop.attribution"] == "owner"


def test_dropped_segments_of_a_connection_name_its_owner(pair, netsight_bin, cleanup):
    """Every fourth data segment to the server is dropped by nftables."""
    port = 6004
    pair.drop_every_fourth(port, counter=True)
    ns = drops(cleanup, netsight_bin, "--reason", "NETFILTER_DROP", "--port", port)
    srv = Peer(pair.b, "server", "--bind", pair.b4, "--port", port, "--count", 6,
               "--expect", 500, "--reply", 10, "--name", SERVER)
    cleanup(srv)
    cli = Peer(pair.a, "client", "--connect", pair.b4, "--port", port, "--count", 6,
               "--send", 500, "--expect", 10, "--name", SENDER)
    cleanup(cli)
    cli.result()
    srv_pid = srv.result()["pid"]
    settle()
    events, _ = ns.events()
    rule = pair.b.run("nft", "list", "table", "inet", "nstest").stdout
    packets = int(re.search(r"counter packets (\d+)", rule).group(1))
    found = mine(events, "NETFILTER_DROP", port)
    assert len(found) == packets > 0
    # Early demux has found the server's socket before the input hook.
    for e in found:
        assert (e["process.pid"], e["process.name"], e["drop.attribution"]) == \
            (srv_pid, SERVER, "owner"), e


def test_reason_filters(pair, netsight_bin, cleanup):
    port = 6005
    only = drops(cleanup, netsight_bin, "--reason", "NO_SOCKET")
    but = drops(cleanup, netsight_bin, "--exclude-reason", "NO_SOCKET",
                "--exclude-reason", "NOT_SPECIFIED")
    sender = trouble(cleanup, pair.a, "udp-send", "--addr", pair.b4, "--port", port,
                     "--count", 3, "--name", SENDER)
    sender.result()
    settle()
    only_events, _ = only.events()
    but_events, _ = but.events()
    assert len(mine(only_events, "NO_SOCKET", port)) == 3
    assert {e["drop.reason"] for e in only_events} == {"NO_SOCKET"}
    assert not {e["drop.reason"] for e in but_events} & {"NO_SOCKET", "NOT_SPECIFIED"}


def test_port_and_address_filters(pair, netsight_bin, cleanup):
    """A datagram that came in has its destination port on this host's end:
    --local-port matches it, --remote-port does not; --addr matches either end.
    Different port filters must all match."""
    port = 6007
    local = drops(cleanup, netsight_bin, "--local-port", port, "--port", port)
    remote = drops(cleanup, netsight_bin, "--remote-port", port)
    both = drops(cleanup, netsight_bin, "--local-port", port, "--remote-port", port)
    addr = drops(cleanup, netsight_bin, "--addr", pair.a4, "--port", port)
    other = drops(cleanup, netsight_bin, "--addr", "192.0.2.0/24", "--addr", "2001:db8::/32")
    trouble(cleanup, pair.a, "udp-send", "--addr", pair.b4, "--port", port, "--count", 3,
            "--name", SENDER).result()
    settle()
    assert len(mine(local.events()[0], "NO_SOCKET", port)) == 3
    assert mine(remote.events()[0], "NO_SOCKET", port) == []
    assert mine(both.events()[0], "NO_SOCKET", port) == []
    assert len(mine(addr.events()[0], "NO_SOCKET", port)) == 3
    assert mine(other.events()[0], "NO_SOCKET", port) == []


def summary_rows(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_summary_totals_equal_the_event_stream(pair, netsight_bin, cleanup):
    count, port = 25, 6006
    events_run = drops(cleanup, netsight_bin, "--port", port)
    summary_run = drops(cleanup, netsight_bin, "--port", port, "--summary")
    sender = trouble(cleanup, pair.a, "udp-send", "--addr", pair.b4, "--port", port,
                     "--count", count, "--name", SENDER)
    sender.result()
    settle()
    events, _ = events_run.events()
    text, err, code = summary_run.stop()
    assert code == 0, err
    rows = summary_rows(text)
    assert rows and all(r["event.action"] == "drop_summary" for r in rows)
    assert all(r["summary.scope"] == "total" for r in rows)
    by_reason = {}
    for r in rows:
        by_reason[r["drop.reason"]] = by_reason.get(r["drop.reason"], 0) + r["count"]
    streamed = {}
    for e in events:
        streamed[e["drop.reason"]] = streamed.get(e["drop.reason"], 0) + 1
    assert by_reason == streamed
    assert by_reason["NO_SOCKET"] == count
    row = [r for r in rows if r["drop.reason"] == "NO_SOCKET"][0]
    assert row["drop.location"].startswith("__udp4_lib_rcv+0x")
    assert row["network.netns"] == pair.b.inode()


def test_summary_text_table(pair, netsight_bin, cleanup):
    port = 6007
    ns = Netsight(netsight_bin, "drops", "--summary", "--port", port)
    cleanup(ns)
    sender = trouble(cleanup, pair.a, "udp-send", "--addr", pair.b4, "--port", port,
                     "--count", 4, "--name", SENDER)
    sender.result()
    settle()
    text, _, code = ns.stop()
    assert code == 0
    lines = text.splitlines()
    assert "since start" in lines[0] and lines[0].endswith("4 in total")
    assert lines[1].split()[:3] == ["COUNT", "REASON", "LOCATION"]
    assert lines[2].split()[:2] == ["4", "NO_SOCKET"]


@pytest.mark.parametrize("args,message", [
    (["--reason", "NO_SUCH_REASON"], "unknown drop reason 'NO_SUCH_REASON'"),
    (["--exclude-reason", "BOGUS"], "unknown drop reason 'BOGUS'"),
    (["--interval", "5"], "--interval applies to --summary"),
    (["--summary", "--interval", "0"], "invalid --interval '0'"),
])
def test_bad_drops_options(netsight_bin, args, message):
    r = run(netsight_bin, "drops", *args, check=False)
    assert r.returncode == 2 and message in r.stderr


def test_list_reasons_needs_no_privileges(netsight_bin):
    r = run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", netsight_bin,
            "drops", "--list-reasons", check=False)
    assert r.returncode == 0
    names = r.stdout.split()
    assert {"NO_SOCKET", "NETFILTER_DROP", "TCP_LISTEN_OVERFLOW", "NOT_SPECIFIED"} <= set(names)
    assert not any(n.startswith("SKB_DROP_REASON_") for n in names)
    assert "MAX" not in names


ACCEPT_OWNERS = {"owner_getpeername4", "owner_getpeername6", "owner_sock_send_length",
                 "owner_sock_recv_length", "owner_tcp_rcv_space_adjust"}


def programs_of(pid):
    """Names of the BPF programs process @pid holds: its program and link
    descriptors name them by id in /proc/PID/fdinfo."""
    ids = set()
    for fd in os.listdir(f"/proc/{pid}/fdinfo"):
        try:
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                ids |= {int(l.split()[1]) for l in f if l.startswith("prog_id:")}
        except OSError:
            continue
    progs = json.loads(run("bpftool", "prog", "show", "-j").stdout)
    return {p["name"] for p in progs if p["id"] in ids}


@pytest.mark.parametrize("args, loaded", [(["--summary"], False), ([], True)],
                         ids=["summary", "events"])
def test_summary_leaves_accept_owners_out(netsight_bin, cleanup, args, loaded):
    """Counting by reason needs no accepted socket's process before its close:
    drops --summary leaves out the programs that run on every send and receive."""
    ns = Netsight(netsight_bin, "drops", *args)
    cleanup(ns)
    mine = programs_of(ns.proc.pid)
    assert "drop_kfree_skb" in mine or "drop_kfree_skb_norx" in mine, mine
    assert "owner_inet_sock_set_state" in mine
    assert bool(mine & ACCEPT_OWNERS) == loaded, mine
