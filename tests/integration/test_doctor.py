# SPDX-License-Identifier: GPL-2.0-only
"""netsight doctor, and how every command degrades: a program the kernel
refuses (here: refused on purpose with NETSIGHT_REFUSE) switches on its
fallback with one warning, or stops the command with one clear error, and
leaves nothing attached."""
import json
import os
import platform
import subprocess

import pytest

from conftest import REFUSE_PRIMARIES
from netlab import Netsight

STATUSES = {"ok", "fallback", "unavailable"}
COMMANDS = {"conns", "tcp", "drops", "latency", "flows", "dns", "agent"}


def run(binary, *args, refuse=None, user=None, timeout=120):
    env = dict(os.environ)
    env.pop("NETSIGHT_REFUSE", None)
    if refuse:
        env["NETSIGHT_REFUSE"] = refuse
    cmd = [binary, *args]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


def doctor(binary, *args, refuse=None):
    r = run(binary, "doctor", "-o", "json", *args, refuse=refuse)
    lines = r.stdout.splitlines()
    assert len(lines) == 1, r.stdout + r.stderr
    return json.loads(lines[0]), r


def probes(doc, **match):
    return [p for p in doc["probes"] if all(p.get(k) == v for k, v in match.items())]


def links():
    out = subprocess.run(["bpftool", "-j", "link", "list"], capture_output=True, text=True)
    return {link["id"] for link in json.loads(out.stdout or "[]")}


def test_report_describes_this_kernel(netsight_bin):
    doc, r = doctor(netsight_bin)
    assert r.returncode == 0, r.stderr
    assert doc["kernel"]["release"] == platform.release()
    assert doc["netsight"]["version"] and doc["netsight"]["libbpf"]
    assert doc["btf"] is True
    assert doc["mounts"]["cgroup2"]
    assert "tracefs" not in doc["mounts"]  # no hook of netsight's needs it
    assert set(doc["commands"]) == COMMANDS
    assert set(doc["commands"].values()) <= {"ok", "degraded"}
    for p in doc["probes"]:
        assert {"family", "program", "hook", "status"} <= set(p), p
        assert p["status"] in STATUSES
        if p["status"] != "ok":
            assert p["error"].startswith("E") or p["error"] == "refused", p
        if p["status"] == "fallback":
            assert p["fallback"], p
    # Every family and its main programs are listed, with their hooks.
    # The latency family has no program of its own: the owner's take its samples.
    assert {p["family"] for p in doc["probes"]} == {"owner", "conn", "tcp", "drop", "latency",
                                                    "flow", "dns"}
    assert probes(doc, program="dns_egress", hook="cgroup_skb/egress")
    assert probes(doc, program="flow_tc_ingress", hook="tc")
    assert probes(doc, program="flow_xdp", hook="xdp")
    assert probes(doc, program="owner_inet_sock_set_state", hook="tp_btf/inet_sock_set_state")
    assert probes(doc, program="conn_iter_pending", hook="iter/bpf_sk_storage_map")
    assert probes(doc, program="tcp_iter_listeners", hook="iter/bpf_sk_storage_map")
    # Map iterators: loaded on kernels that take them, else EPERM with a fallback.
    for p in probes(doc, hook="iter/bpf_sk_storage_map"):
        assert p["status"] == "ok" or (p["status"], p["error"]) == ("fallback", "EPERM"), p


def test_refused_iterators_degrade_every_command(netsight_bin):
    doc, r = doctor(netsight_bin, refuse=REFUSE_PRIMARIES)
    assert r.returncode == 0, r.stderr
    refused = probes(doc, hook="iter/bpf_sk_storage_map")
    assert len(refused) == 2
    for p in refused + probes(doc, hook="iter/tcp") + probes(doc, hook="iter/udp"):
        assert (p["status"], p["error"]) == ("fallback", "refused"), p
    # latency keeps its own programs, but its owners come from the degraded walk.
    assert doc["commands"] == {"conns": "degraded", "tcp": "degraded", "drops": "degraded",
                               "latency": "degraded", "flows": "degraded",
                               "dns": "degraded", "agent": "degraded"}


def test_probe_reads_instead_of_typed_views(netsight_bin):
    doc, r = doctor(netsight_bin, refuse="kfunc/bpf_rdonly_cast")
    assert r.returncode == 0, r.stderr
    views = probes(doc, program="typed views")
    assert len(views) == 7 and {p["status"] for p in views} == {"fallback"}
    assert set(doc["commands"].values()) == {"degraded"}


def test_a_variant_chosen_instead_of_the_primary(netsight_bin):
    doc, r = doctor(netsight_bin, refuse="drop_kfree_skb")
    assert r.returncode == 0, r.stderr
    assert probes(doc, program="drop_kfree_skb")[0]["status"] == "fallback"
    assert probes(doc, program="drop_kfree_skb_norx")[0]["status"] == "ok"
    assert doc["commands"]["drops"] == "degraded"


def test_a_required_program_makes_its_command_unavailable(netsight_bin):
    doc, r = doctor(netsight_bin, refuse="tp_btf/kfree_skb")
    assert r.returncode == 1
    assert doc["commands"]["drops"] == "unavailable"
    assert doc["commands"]["conns"] == "ok" or doc["commands"]["conns"] == "degraded"
    [norx] = probes(doc, program="drop_kfree_skb_norx")
    assert (norx["status"], norx["error"]) == ("unavailable", "refused")


def test_self_test_agrees_with_the_kernel(netsight_bin):
    for refuse in (None, REFUSE_PRIMARIES + ",kfunc/"):
        doc, r = doctor(netsight_bin, "--self-test", refuse=refuse)
        assert r.returncode == 0, r.stdout + r.stderr
        test = doc["self_test"]
        assert test["result"] == "pass"
        names = {c["kernel"] for c in test["checks"]}
        assert {"TcpActiveOpens", "TcpPassiveOpens", "TcpAttemptFails", "UdpNoPorts",
                "TcpExtListenOverflows"} <= names
        for c in test["checks"]:
            assert c["result"] == "pass" and c["netsight.count"] == c["kernel.count"] > 0, c


def test_text_report(netsight_bin):
    r = run(netsight_bin, "doctor", refuse="iter/bpf_sk_storage_map")
    assert r.returncode == 0
    assert "Programs:" in r.stdout and "Commands:" in r.stdout
    line = next(l for l in r.stdout.splitlines() if "conn_iter_pending" in l)
    assert "iter/bpf_sk_storage_map" in line and "fallback" in line
    assert "conns    degraded" in r.stdout


def test_without_root_says_what_needs_root(netsight_bin):
    r = run(netsight_bin, "doctor", user=65534)
    assert r.returncode == 1
    assert "needs root" in r.stdout and "BTF" in r.stdout
    r = run(netsight_bin, "doctor", "-o", "json", user=65534)
    doc = json.loads(r.stdout)
    assert doc["root"] is False and doc["probes"] == []
    assert set(doc["commands"].values()) == {"unknown"}


def test_a_refused_optional_program_is_one_warning(netsight_bin, cleanup):
    env_before = os.environ.get("NETSIGHT_REFUSE")
    os.environ["NETSIGHT_REFUSE"] = "conn_iter_pending"
    try:
        ns = Netsight(netsight_bin, "conns", "--duration", "1")
        cleanup(ns)
        _, err, code = ns.stop(timeout=30)
    finally:
        if env_before is None:
            del os.environ["NETSIGHT_REFUSE"]
        else:
            os.environ["NETSIGHT_REFUSE"] = env_before
    assert code == 0, err
    warnings = [l for l in err.splitlines() if "warning" in l]
    assert len(warnings) == 1
    assert "conn_iter_pending" in warnings[0] and "iter/bpf_sk_storage_map" in warnings[0]
    assert "read from a map" in warnings[0]


@pytest.mark.parametrize("command,hook", [("conns", "tp_btf/inet_sock_set_state"),
                                          ("drops", "tp_btf/kfree_skb"),
                                          ("tcp", "tp_btf/tcp_retransmit_synack")])
def test_a_refused_required_program_stops_the_command(netsight_bin, command, hook):
    before = links()
    r = run(netsight_bin, command, "--duration", "1", refuse=hook)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 2, r.stderr
    assert hook in r.stderr and "netsight doctor" in r.stderr
    assert links() <= before


@pytest.mark.parametrize("refuse,option,message", [
    ("nonsense", None, "'nonsense', which is no program or hook"),
    ("iter/tpc", None, "'iter/tpc', which is no program or hook"),
    (None, "iter/tpc", "'iter/tpc', which is no program or hook"),
    (",".join(["iter/tcp"] * 17), None, "at most 16"),
    ("x" * 70, None, "longer than 63 characters"),
    (None, "x" * 70, "at most 63 characters"),
])
def test_refusals_that_name_nothing_are_usage_errors(netsight_bin, refuse, option, message):
    args = ["conns", "--duration", "1"] + (["--refuse-hook", option] if option else [])
    r = run(netsight_bin, *args, refuse=refuse)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr


def test_a_long_valid_refusal_list_is_taken_whole(netsight_bin):
    """Every entry counts, however long the list: the last one here stops drops."""
    entries = ["cgroup/getpeername4"] * 14 + ["iter/udp", "tp_btf/kfree_skb"]
    r = run(netsight_bin, "drops", "--duration", "1", refuse=",".join(entries))
    assert r.returncode == 1
    assert "tp_btf/kfree_skb" in r.stderr and "refused on request" in r.stderr


def test_probe_reads_are_one_warning(netsight_bin):
    r = run(netsight_bin, "conns", "--duration", "1", refuse="kfunc/")
    assert r.returncode == 0, r.stderr
    warnings = [l for l in r.stderr.splitlines() if "warning" in l]
    assert len(warnings) == 1 and "kfunc/bpf_rdonly_cast" in warnings[0], r.stderr


def test_a_standby_program_lost_while_its_primary_works_changes_nothing(netsight_bin):
    doc, r = doctor(netsight_bin, refuse="tcp_poll_listeners")
    assert r.returncode == 0 and doc["commands"]["tcp"] == "ok"
    [poll] = probes(doc, program="tcp_poll_listeners")
    assert poll["status"] == "fallback" and "nothing lost" in poll["fallback"]
    r = run(netsight_bin, "tcp", "--duration", "1", refuse="tcp_poll_listeners")
    assert r.returncode == 0 and "warning" not in r.stderr
