#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The kernel matrix: netsight on the kernels a fresh Debian 12 machine runs.

For each kernel series, fetches the current build of Debian's package (the
series is pinned, not the build: old builds leave the archive), unpacks it
(nothing is installed), boots it under qemu with a small initramfs (busybox,
netsight and its libraries, the BPF load test, a traffic generator and
init.sh) and reports what init.sh found, then "N passed, N failed".

/dev/kvm may exist while the CPU has no virtualization, so the guests run
under software emulation, single-threaded (a multi-threaded TCG guest crashed
once while a tracepoint was being enabled).
"""
import argparse
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERIES = {
    "6.1": "linux-image-cloud-amd64",        # bookworm's default kernel
    "6.12": "linux-image-6.12-cloud-amd64",  # bookworm's newer series
}
# Loaded in this order: tcp_diag and udp_diag need inet_diag. The clsact qdisc
# and cls_bpf are what flows falls back to where the kernel has no TCX (6.1);
# the guest has no modprobe to load them on demand.
MODULES = ["net/ipv4/inet_diag", "net/ipv4/tcp_diag", "net/ipv4/udp_diag",
           "net/sched/sch_ingress", "net/sched/cls_bpf"]
APPLETS = ["sh", "mount", "mkdir", "sleep", "grep", "sed", "awk", "cat", "head", "kill",
           "insmod", "ip", "uname", "poweroff"]


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def current_image(meta):
    """The kernel image package the meta-package depends on now."""
    for line in sh("apt-cache", "depends", meta).splitlines():
        m = re.match(r"\s*Depends:\s*(linux-image-\S+)", line)
        if m:
            return m.group(1)
    raise RuntimeError(f"{meta}: no kernel image among its dependencies (apt-get update?)")


def fetch(meta, cache):
    """The unpacked kernel package of @meta's current build, in @cache."""
    pkg = current_image(meta)
    root = os.path.join(cache, pkg)
    if os.path.isdir(os.path.join(root, "boot")):
        return pkg, root
    os.makedirs(cache, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        os.chmod(tmp, 0o755)  # apt's sandbox user writes here
        sh("apt-get", "download", pkg, cwd=tmp)
        deb = next(f for f in os.listdir(tmp) if f.endswith(".deb"))
        sh("dpkg-deb", "-x", os.path.join(tmp, deb), root + ".part")
    os.rename(root + ".part", root)
    return pkg, root


def libraries(binary):
    """The shared libraries @binary loads, and its interpreter."""
    out = sh("ldd", binary)
    return sorted({m.group(1) for m in re.finditer(r"(/\S+) \(0x", out)})


def cpio_newc(root, out):
    """Writes @root as a gzipped newc cpio archive (what the kernel unpacks)."""
    ino = 1

    def entry(f, name, mode, data=b"", nlink=1):
        nonlocal ino
        hdr = "070701" + "".join(f"{v:08x}" for v in (
            ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0))
        ino += 1
        f.write(hdr.encode() + name.encode() + b"\0")
        f.write(b"\0" * ((4 - (110 + len(name) + 1) % 4) % 4))
        f.write(data)
        f.write(b"\0" * ((4 - len(data) % 4) % 4))

    with gzip.open(out, "wb", compresslevel=1) as f:
        for dirpath, dirs, files in os.walk(root):
            dirs.sort()
            rel = os.path.relpath(dirpath, root)
            if rel != ".":
                entry(f, rel, 0o040755, nlink=2)
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                arc = os.path.normpath(os.path.join(rel, name))
                st = os.lstat(path)
                if os.path.islink(path):
                    entry(f, arc, 0o120777, os.readlink(path).encode())
                else:
                    with open(path, "rb") as src:
                        entry(f, arc, 0o100000 | (st.st_mode & 0o777), src.read())
        entry(f, "TRAILER!!!", 0)


def initramfs(kroot, release, args, out):
    with tempfile.TemporaryDirectory() as tmp:
        bindir = os.path.join(tmp, "bin")
        os.makedirs(bindir)
        shutil.copy("/bin/busybox", bindir)
        for applet in APPLETS:
            os.symlink("busybox", os.path.join(bindir, applet))
        for src, name in ((args.netsight, "netsight"), (args.bpf_test, "bpf_test_load"),
                          (args.traffic, "traffic")):
            shutil.copy(src, os.path.join(bindir, name))
        for lib in set(libraries(args.netsight) + libraries(args.bpf_test)):
            dst = os.path.join(tmp, lib.lstrip("/"))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(lib, dst)
        moddir = os.path.join(tmp, "lib", "modules")
        os.makedirs(moddir, exist_ok=True)
        order = []
        for mod in MODULES:
            base = os.path.join(kroot, "lib", "modules", release, "kernel", mod + ".ko")
            name = os.path.basename(mod) + ".ko"
            if os.path.exists(base):
                shutil.copy(base, os.path.join(moddir, name))
            elif os.path.exists(base + ".xz"):
                with open(os.path.join(moddir, name), "wb") as dst:
                    dst.write(subprocess.run(["xz", "-dc", base + ".xz"], check=True,
                                             capture_output=True).stdout)
            else:
                continue  # built in
            order.append(name)
        with open(os.path.join(moddir, "order"), "w") as f:
            f.write("\n".join(order) + "\n")
        shutil.copy(os.path.join(HERE, "init.sh"), os.path.join(tmp, "init"))
        os.chmod(os.path.join(tmp, "init"), 0o755)
        cpio_newc(tmp, out)


def boot(vmlinuz, initrd, timeout):
    """Boots the guest; returns its console output."""
    cmd = ["qemu-system-x86_64", "-accel", "tcg,thread=single", "-smp", "2", "-m", "2048",
           "-kernel", vmlinuz, "-initrd", initrd, "-nographic", "-no-reboot", "-nic", "none",
           "-append", "console=ttyS0 panic=-1 rdinit=/init quiet"]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                              timeout=timeout, stdin=subprocess.DEVNULL).stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout or b""
        return (out.decode(errors="replace") if isinstance(out, bytes) else out) + \
            "\nNSVM TIMEOUT\n"


def run_series(series, args):
    pkg, kroot = fetch(SERIES[series], args.cache)
    vmlinuz = next(os.path.join(kroot, "boot", f)
                   for f in os.listdir(os.path.join(kroot, "boot")) if f.startswith("vmlinuz-"))
    release = os.path.basename(vmlinuz)[len("vmlinuz-"):]
    initrd = os.path.join(args.cache, f"initramfs-{release}.gz")
    initramfs(kroot, release, args, initrd)
    started = time.monotonic()
    console = boot(vmlinuz, initrd, args.timeout)
    took = time.monotonic() - started
    with open(os.path.join(args.cache, f"console-{release}.log"), "w") as f:
        f.write(console)
    results = re.findall(r"^NSVM RESULT (\S+) (pass|fail) ?(.*)$", console, re.M)
    print(f"== Linux {release} ({pkg}), {took:.0f} s")
    for line in console.splitlines():
        if line.startswith("NSVM DOCTOR "):
            print("   " + line[len("NSVM DOCTOR "):])
    for name, verdict, detail in results:
        print(f"  {verdict.upper():4} {name} {detail}")
    if "NSVM DONE" not in console:
        print(f"  FAIL the guest did not finish (see {args.cache}/console-{release}.log)")
        return sum(v == "pass" for _, v, _ in results), sum(v == "fail" for _, v, _ in results) + 1
    if args.verbose:
        print("\n".join(l[9:] for l in console.splitlines() if l.startswith("NSVM LOG ")))
    return sum(v == "pass" for _, v, _ in results), sum(v == "fail" for _, v, _ in results)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--series", action="append", choices=sorted(SERIES),
                   help="kernel series to boot (repeatable; default: all)")
    p.add_argument("--netsight", required=True)
    p.add_argument("--bpf-test", required=True)
    p.add_argument("--traffic", required=True)
    p.add_argument("--cache", required=True, help="where kernels and initramfs are kept")
    p.add_argument("--timeout", type=int, default=900, help="seconds per guest")
    p.add_argument("-v", "--verbose", action="store_true", help="print the guests' logs")
    args = p.parse_args()
    for tool in ("qemu-system-x86_64", "busybox", "apt-get", "dpkg-deb", "xz"):
        if not shutil.which(tool) and not os.path.exists(f"/bin/{tool}"):
            print(f"kernel matrix: '{tool}' is missing (./scripts/install-deps --test)")
            return 1
    passed = failed = 0
    for series in args.series or sorted(SERIES, key=lambda s: [int(x) for x in s.split(".")]):
        try:
            p_, f_ = run_series(series, args)
        except (subprocess.CalledProcessError, RuntimeError, StopIteration) as e:
            print(f"== {series}: could not run: {e}")
            p_, f_ = 0, 1
        passed += p_
        failed += f_
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
