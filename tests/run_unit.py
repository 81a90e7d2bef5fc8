#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Runs cmocka test binaries and sums their results into one line:
"N passed, N failed". Exits non-zero if any test or binary failed."""
import re
import subprocess
import sys


def main(binaries):
    passed = failed = 0
    broken = []
    for binary in binaries:
        proc = subprocess.run([binary], capture_output=True, text=True)
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        text = proc.stdout + proc.stderr
        ok = re.search(r"\[  PASSED  \] (\d+) test", text)
        bad = re.search(r"\[  FAILED  \] (\d+) test", text)
        passed += int(ok.group(1)) if ok else 0
        failed += int(bad.group(1)) if bad else 0
        if proc.returncode != 0 and not bad:
            broken.append(f"{binary} (exit {proc.returncode})")
    print(f"{passed} passed, {failed} failed" +
          (f", {len(broken)} crashed: {', '.join(broken)}" if broken else ""))
    return 1 if failed or broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
