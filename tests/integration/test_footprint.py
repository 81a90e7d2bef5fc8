# SPDX-License-Identifier: GPL-2.0-only
"""What netsight holds in the kernel: its BPF maps' memory as the kernel
charges it (memlock in /proc/PID/fdinfo), as -v and doctor report it, and
within the default budget."""
import json
import os
import re
import subprocess

import pytest

from netlab import Netsight

MIB = 1 << 20


def map_memory(pid):
    """Bytes of the distinct BPF maps process @pid holds descriptors of."""
    seen, total = set(), 0
    for fd in os.listdir(f"/proc/{pid}/fdinfo"):
        try:
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                info = dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)
        except OSError:
            continue
        if "map_type" in info and info["map_id"] not in seen:
            seen.add(info["map_id"])
            total += int(info["memlock"])
    return total, len(seen)


@pytest.mark.parametrize("ring, budget", [(None, 8 * MIB), ("16M", 22 * MIB)],
                         ids=["default", "16M-ring"])
def test_conns_kernel_memory(netsight_bin, cleanup, ring, budget):
    args = ["conns", "-o", "json", "-v"] + (["--ringbuf-size", ring] if ring else [])
    ns = Netsight(netsight_bin, *args)
    cleanup(ns)
    held, maps = map_memory(ns.proc.pid)
    said = re.search(r"holding ([\d.]+) MiB of kernel memory in (\d+) BPF maps", ns.stderr())
    assert said, ns.stderr()
    assert abs(float(said.group(1)) * MIB - held) <= 0.05 * MIB
    assert int(said.group(2)) == maps
    assert held <= budget
    # The ring is the knob: it is most of what grows with --ringbuf-size.
    assert held >= (16 * MIB if ring else 2 * MIB)


def test_doctor_reports_kernel_memory(netsight_bin):
    r = subprocess.run([netsight_bin, "doctor", "-o", "json"], capture_output=True, text=True,
                       timeout=120)
    mem = json.loads(r.stdout)["kernel_memory"]
    assert mem["ringbuf_bytes"] == 2 * MIB
    assert mem["maps"] >= 10 and mem["bytes"] > mem["ringbuf_bytes"]
    text = subprocess.run([netsight_bin, "doctor"], capture_output=True, text=True,
                          timeout=120).stdout
    assert re.search(r"Kernel memory: [\d.]+ MiB in \d+ BPF maps", text)
