# SPDX-License-Identifier: GPL-2.0-only
"""Text output a terminal can show: hostile names escaped, columns aligned
by display width, IPv6 that fits, no made-up ports, the date when a run
crosses midnight."""
import os
import re
import time
import unicodedata

from netlab import HERE, Netsight
from test_conns import CLIENT, SERVER, peer, settle

TROUBLE = os.path.join(HERE, "peers", "trouble.py")


def text_run(cleanup, binary, *args, env=None):
    saved = os.environ.copy()
    os.environ.update(env or {})
    try:
        ns = Netsight(binary, *args)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    cleanup(ns)
    return ns


def width(s):
    """Display width, as a terminal counts it."""
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def column_starts(header):
    return [m.start() for m in re.finditer(r"\S+", header)]


def cells(line, header):
    """The cells of @line under @header's columns, cut at display positions."""
    starts = column_starts(header)
    out, col, cur, pos = [], 0, "", 0
    for ch in line:
        if col + 1 < len(starts) and pos >= starts[col + 1]:
            out.append(cur.strip())
            cur, col = "", col + 1
        cur += ch
        pos += width(ch)
    out.append(cur.strip())
    return out


def one_connection(cleanup, netns, port, server=SERVER):
    """One loopback connection in @netns, its server named @server."""
    srv = peer(cleanup, netns, "server", "--bind", "127.0.0.1", "--port", port,
               "--name", server)
    peer(cleanup, netns, "client", "--connect", "127.0.0.1", "--port", port,
         "--name", CLIENT).result()
    srv.result()


def test_names_are_escaped_and_padded_by_display_width(netns, netsight_bin, cleanup):
    """A process named with an escape sequence and a right-to-left override
    cannot drive the terminal; one with double-width characters keeps the
    columns aligned."""
    port = 6901
    hostile = "\x1b[2J\u202eab"
    wide = "\u4e2d\u6587\u540d\u5b57ab"  # 14 bytes, 10 columns
    ns = text_run(cleanup, netsight_bin, "conns", "--port", port)
    for name in (hostile, wide):
        one_connection(cleanup, netns, port, name)
    settle()
    text, _, code = ns.stop()
    assert code == 0
    assert "\x1b" not in text and "\u202e" not in text
    assert " \\x1b[2J\\xe2\\x80\\xaeab " in text
    header, *lines = text.splitlines()
    local = column_starts(header)[header.split().index("LOCAL")]
    aligned = [l for l in lines if wide in l or CLIENT in l]
    assert len(aligned) == 6
    for line in aligned:
        # The LOCAL column starts at the display position of its header.
        prefix = ""
        for ch in line:
            if width(prefix) >= local:
                break
            prefix += ch
        assert width(prefix) == local and prefix.endswith(" "), line
        assert re.match(r"127\.0\.0\.1:\d+ ", line[len(prefix):]), line


def test_ipv6_fits_with_wide_columns(pair, netsight_bin, cleanup):
    port = 6902
    ns = text_run(cleanup, netsight_bin, "conns", "-w", "--port", port)
    srv = peer(cleanup, pair.b, "server", "--bind", pair.b6, "--port", port, "--name", SERVER)
    peer(cleanup, pair.a, "client", "--connect", pair.b6, "--port", port,
         "--name", CLIENT).result()
    srv.result()
    settle()
    text, _, code = ns.stop()
    assert code == 0
    header, *lines = text.splitlines()
    starts = column_starts(header)
    names = header.split()
    remote = starts[names.index("REMOTE")]
    assert remote - starts[names.index("LOCAL")] == 48  # room for any IPv6 endpoint
    for line in lines:
        assert line[remote - 1] == " " and line[remote] == "[", line


def test_port_less_packets_have_no_ports(pair, netsight_bin, cleanup):
    """ICMP drops read 'icmp A -> B', never with ':0' ports."""
    pair.b.run("nft", "-f", "-", input="""
        table inet nstext {
            chain in {
                type filter hook input priority 0; policy accept;
                icmp type echo-request drop
            }
        }""")
    ns = text_run(cleanup, netsight_bin, "drops", "--reason", "NETFILTER_DROP")
    peer(cleanup, pair.a, "icmp-echo", "--addr", pair.b4, "--port", 0, "--count", 2,
         "--pause", 0.1, "--name", CLIENT, script=TROUBLE).result()
    settle()
    text, _, code = ns.stop()
    assert code == 0
    mine = [l for l in text.splitlines() if f"icmp {pair.a4} -> {pair.b4}" in l]
    assert len(mine) == 2, text
    assert all(l.endswith(f"icmp {pair.a4} -> {pair.b4}") for l in mine)


def test_listen_overflow_shows_the_listener(pair, netsight_bin, cleanup, tmp_path):
    port, hold = 6903, os.path.join(tmp_path, "hold")
    ns = text_run(cleanup, netsight_bin, "tcp", "--event", "listen_overflow")
    srv = peer(cleanup, pair.b, "listen", "--addr", pair.b4, "--port", port, "--backlog", 1,
               "--hold-file", hold, "--name", SERVER, script=TROUBLE)
    cli = peer(cleanup, pair.a, "connect-many", "--addr", pair.b4, "--port", port,
               "--count", 6, "--hold-file", hold, "--name", CLIENT, script=TROUBLE)
    time.sleep(2)
    open(hold, "w").close()
    srv.result()
    cli.result()
    text, _, code = ns.stop()
    assert code == 0
    header, *lines = text.splitlines()
    rows = [cells(l, header) for l in lines if "listen_overflow" in l]
    assert rows, text
    names = header.split()
    for r in rows:
        assert r[names.index("LOCAL")] == f"{pair.b4}:{port}"
        assert r[names.index("REMOTE")] == "-"
        assert r[names.index("COMM")] == SERVER


def utc_offset_for_midnight_in(seconds):
    """A POSIX TZ whose local midnight falls @seconds from now."""
    now = time.time()
    secs = int(now) % 86400
    offset = (86400 - secs - seconds) % 86400  # local = UTC + offset
    if offset > 43200:
        offset -= 86400
    sign = "-" if offset >= 0 else "+"  # POSIX: the offset to add to local time for UTC
    a = abs(offset)
    return f"<NST>{sign}{a // 3600:02d}:{a // 60 % 60:02d}:{a % 60:02d}"


def test_the_date_appears_when_a_run_crosses_midnight(netns, netsight_bin, cleanup):
    port = 6904
    tz = utc_offset_for_midnight_in(4)
    ns = text_run(cleanup, netsight_bin, "conns", "--port", port, env={"TZ": tz})
    for _ in range(2):
        one_connection(cleanup, netns, port)
        time.sleep(5)
    text, _, code = ns.stop()
    assert code == 0
    lines = text.splitlines()
    marks = [i for i, l in enumerate(lines) if l.startswith("--- ")]
    assert len(marks) == 1, text
    os.environ["TZ"] = tz
    time.tzset()
    try:
        today = time.strftime("%Y-%m-%d", time.localtime())
    finally:
        del os.environ["TZ"]
        time.tzset()
    assert lines[marks[0]] == f"--- {today} ---"
    before, after = lines[1:marks[0]], lines[marks[0] + 1:]
    assert len(before) == len(after) == 4
    assert all(l.startswith("23:59:5") for l in before)
    assert all(l.startswith("00:00:0") for l in after)


def test_timestamp_formats(netns, netsight_bin, cleanup):
    port = 6905
    for fmt, pattern in (("utc", r"\d\d:\d\d:\d\d\.\d{3}Z "),
                         ("iso", r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ")):
        ns = text_run(cleanup, netsight_bin, "conns", "--port", port, "--timestamp", fmt)
        one_connection(cleanup, netns, port)
        settle()
        text, _, code = ns.stop()
        assert code == 0
        header, *lines = text.splitlines()
        assert len(lines) == 4
        for line in lines:
            assert re.match(pattern, line), line
            # The next column starts where its header does.
            assert line.index(" ") + 1 == header.index("EVENT") or \
                line[header.index("EVENT") - 1] == " "
