# SPDX-License-Identifier: GPL-2.0-only
"""Fixtures for tests that need root and BPF. Outside CI a missing
prerequisite skips with the reason; with CI=true it fails instead."""
import os
import shutil

import pytest

import netlab

IN_CI = os.environ.get("CI", "").lower() == "true"
NETSIGHT = os.environ.get("NETSIGHT") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "netsight")


def require(condition, reason):
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and a prerequisite is missing: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def netsight_bin():
    require(os.path.exists(NETSIGHT), f"{NETSIGHT} is not built (run make)")
    require(os.geteuid() == 0, "integration tests need root (BPF, network namespaces)")
    for tool in ("ip", "nstat"):
        require(shutil.which(tool), f"'{tool}' is not installed (./scripts/install-deps --test)")
    return os.path.abspath(NETSIGHT)


@pytest.fixture
def pair(netsight_bin):
    p = netlab.Pair()
    yield p
    p.close()


@pytest.fixture
def netns(netsight_bin):
    ns = netlab.Netns(netlab.unique("nsl"))
    yield ns
    ns.close()


# The programs with a fallback that the kernel may refuse on purpose: the
# map-element iterators (refused by some kernels) and the socket iterators.
REFUSE_PRIMARIES = "iter/bpf_sk_storage_map,iter/tcp,iter/udp"


@pytest.fixture(params=["primary", "fallback"])
def kernel_path(request, monkeypatch):
    """Runs a test twice: on the primary path where this kernel has it, and
    with the primary refused on purpose (NETSIGHT_REFUSE), so that both the
    iterators and their fallbacks are exercised on any kernel. Returns the
    text netsight's warnings must contain on the fallback path ('' on the
    primary one)."""
    if request.param == "fallback":
        monkeypatch.setenv("NETSIGHT_REFUSE", REFUSE_PRIMARIES)
        return "refused on request"
    monkeypatch.delenv("NETSIGHT_REFUSE", raising=False)
    return ""


@pytest.fixture
def cleanup():
    """Things a test starts (peers, netsight) are killed even if it fails."""
    items = []
    yield items.append
    for item in reversed(items):
        item.kill()
