#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Known TCP traffic for netsight's tests.

server: listen, accept --count connections; on each read exactly --expect
bytes, answer --reply bytes, then wait for the peer's FIN and close.
client: --count connections, one after another; send --send bytes, read
exactly --expect bytes, close.

Each role names its process (--name, via prctl) so tests can assert on
process.name, prints one JSON line {"pid": ..., ...} when done, and a "ready"
line "ready PID" once listening (server) or started (client).
"""
import argparse
import ctypes
import json
import os
import select
import socket
import struct
import sys
import time

PR_SET_NAME = 15


def set_name(name):
    ctypes.CDLL(None).prctl(PR_SET_NAME, os.fsencode(name), 0, 0, 0)


def say(obj):
    sys.stdout.write((obj if isinstance(obj, str) else json.dumps(obj)) + "\n")
    sys.stdout.flush()


def recv_exactly(sock, n):
    got = 0
    while got < n:
        chunk = sock.recv(min(65536, n - got))
        if not chunk:
            raise EOFError(f"peer closed after {got} of {n} bytes")
        got += len(chunk)


def wait_eof(sock):
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass


def wait_for_file(path):
    while path and not os.path.exists(path):
        time.sleep(0.02)


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def listener(addr, port, backlog):
    """A listening socket on ADDR:PORT (SO_REUSEADDR: ports are reused between tests)."""
    srv = socket.socket(family_of(addr), socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(backlog)
    return srv


def run_role(parser, roles):
    """Parses the arguments, names the process and runs the role; its result
    (a dict) is printed with the pid as the peer's last line."""
    args = parser.parse_args()
    set_name(args.name)
    result = roles[args.role](args) or {}
    say({"pid": os.getpid(), **result})


def abort(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def serve_one(conn, args):
    if args.shutdown_first:
        # Closed both ways before the client speaks: its data draws our RST.
        conn.shutdown(socket.SHUT_RDWR)
        time.sleep(0.5)
        conn.close()
        return
    recv_exactly(conn, args.expect)
    if args.reply:
        conn.sendall(b"s" * args.reply)
    if args.abort:
        abort(conn)
        return
    wait_eof(conn)
    conn.close()


def accept(srv, args):
    """accept(); with --no-peer-address as accept(fd, NULL, NULL), as C servers
    that do not care who called do."""
    if not args.no_peer_address:
        return srv.accept()[0]
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.accept(srv.fileno(), None, None)
    if fd < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return socket.socket(fileno=fd)


def server(args):
    set_name(args.name)
    srv = socket.socket(family_of(args.bind), socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family_of(args.bind) == socket.AF_INET6 and args.dual_stack:
        srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    srv.bind((args.bind, args.port))
    srv.listen(args.backlog)
    children = []
    if args.mode == "prefork":
        for i in range(args.workers):
            pid = os.fork()
            if pid == 0:
                set_name(f"{args.name[:12]}-w{i}")
                for _ in range(args.count // args.workers):
                    conn = accept(srv, args)
                    serve_one(conn, args)
                os._exit(0)
            children.append(pid)
    say(f"ready {os.getpid()}")
    if args.mode == "prefork":
        for pid in children:
            os.waitpid(pid, 0)
    for _ in range(args.count if args.mode != "prefork" else 0):
        conn = accept(srv, args)
        if args.mode == "fork-after-accept":
            pid = os.fork()
            if pid == 0:
                set_name(f"{args.name[:12]}-ch")
                serve_one(conn, args)
                os._exit(0)
            conn.close()
            children.append(pid)
            os.waitpid(pid, 0)
        else:
            serve_one(conn, args)
    srv.close()
    say({"pid": os.getpid(), "children": children})


def client(args):
    set_name(args.name)
    say(f"ready {os.getpid()}")
    wait_for_file(args.start_file)
    errors = []
    for _ in range(args.count):
        sock = socket.socket(family_of(args.connect), socket.SOCK_STREAM)
        sock.settimeout(args.timeout)
        try:
            sock.connect((args.connect, args.port))
        except OSError as e:
            errors.append(e.errno if e.errno else "timeout")
            sock.close()
            continue
        sock.settimeout(None)
        if args.send_after_eof:
            wait_eof(sock)  # the server's FIN
            try:
                sock.sendall(b"c" * args.send_after_eof)
                time.sleep(0.2)
                sock.recv(1)
            except OSError as e:
                errors.append(e.errno)
            sock.close()
            continue
        time.sleep(args.delay_send)
        if args.send:
            sock.sendall(b"c" * args.send)
        recv_exactly(sock, args.expect)
        wait_for_file(args.hold_file)
        if args.close_unread:
            select.select([sock], [], [], 10)  # the reply is queued, unread
            sock.close()  # the kernel answers with a RST (TCPAbortOnClose)
            continue
        if args.abort:
            abort(sock)
            continue
        try:
            sock.shutdown(socket.SHUT_WR)
            wait_eof(sock)
        except OSError as e:  # the server aborted (RST)
            errors.append(e.errno)
        sock.close()
        if args.pause:
            time.sleep(args.pause)
    say({"pid": os.getpid(), "errors": errors})


def main():
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="role", required=True)
    s = sub.add_parser("server")
    s.add_argument("--bind", required=True)
    s.add_argument("--dual-stack", action="store_true")
    s.add_argument("--mode", choices=["serial", "fork-after-accept", "prefork"],
                   default="serial")
    s.add_argument("--workers", type=int, default=2)
    s.add_argument("--no-peer-address", action="store_true",
                   help="accept(fd, NULL, NULL): the peer's address is not asked for")
    s.add_argument("--backlog", type=int, default=128)
    s.add_argument("--shutdown-first", action="store_true",
                   help="shut the connection down both ways before reading")
    c = sub.add_parser("client")
    c.add_argument("--connect", required=True)
    c.add_argument("--send", type=int, default=0)
    c.add_argument("--timeout", type=float, default=10)
    c.add_argument("--pause", type=float, default=0)
    c.add_argument("--start-file", help="connect only once this file exists")
    c.add_argument("--send-after-eof", type=int, default=0,
                   help="wait for the server's FIN, then send this many bytes")
    c.add_argument("--delay-send", type=float, default=0,
                   help="wait this long after connecting before sending")
    c.add_argument("--close-unread", action="store_true",
                   help="close while the server's reply waits unread")
    c.add_argument("--hold-file",
                   help="after the exchange, close only once this file exists")
    for q in (s, c):
        q.add_argument("--port", type=int, required=True)
        q.add_argument("--count", type=int, default=1)
        q.add_argument("--name", required=True)
        q.add_argument("--expect", type=int, default=0)
        q.add_argument("--abort", action="store_true",
                       help="close with SO_LINGER 0 (RST) instead of FIN")
    s.add_argument("--reply", type=int, default=0)
    args = p.parse_args()
    server(args) if args.role == "server" else client(args)


if __name__ == "__main__":
    main()
