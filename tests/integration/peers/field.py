#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Peers for field cases where a tool can disagree with the kernel.

half-close-server / half-close-client --mode M: how one connection ends
    unread      the server answers, shuts down its sending side, and closes
                with the client's extra bytes unread (the kernel aborts: RST)
    linger      the same, closing with SO_LINGER 0 (RST)
    graceful    the server shuts down its side, the client closes (FINs)
    close-wait  the client sends and closes first; the server closes with
                those bytes unread (RST from CLOSE_WAIT)
    late-data   the client closes first; the server then sends more, which
                the client's time-wait socket answers with a RST
icmp-connect --ports P,...: connects to each port, refused by an ICMP error,
    --mode poll (non-blocking, poll, getsockopt(SO_ERROR), as Go, curl and
    Python with a timeout do), blocking, or unread (non-blocking, closed
    without asking); prints the error the application saw per port
self-connect --port P: a socket bound to 127.0.0.1:P connects to itself and
    exchanges 3 bytes each way
exec-client / exec-listener: open a connection or a listener, then exec()
    (the process keeps its pid and its sockets) and go on under --name-after;
    --leave-open: the client exits without closing its connection

Each prints "ready PID" and one JSON line when done, like tcp_peer.py.
"""
import argparse
import errno
import os
import select
import socket
import struct
import sys
import time

from tcp_peer import family_of, listener, recv_exactly, run_role, say, wait_eof, wait_for_file

HERE = os.path.abspath(__file__)


def half_close_server(args):
    srv = listener(args.bind, args.port, 8)
    say(f"ready {os.getpid()}")
    conn, _ = srv.accept()
    if args.mode == "close-wait":
        time.sleep(0.5)  # the client's bytes and FIN arrive; nothing is read
        conn.close()
        return {}
    recv_exactly(conn, 10)
    conn.sendall(b"s" * 20)
    if args.mode == "late-data":
        time.sleep(0.5)  # the client has closed
        conn.sendall(b"l" * 100)
        time.sleep(0.5)
        conn.close()
        return {}
    conn.shutdown(socket.SHUT_WR)
    if args.mode == "graceful":
        wait_eof(conn)
    else:
        time.sleep(0.5)  # the client's extra bytes arrive, unread
        if args.mode == "linger":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
    srv.close()
    return {}


def half_close_client(args):
    sock = socket.create_connection((args.connect, args.port), timeout=10)
    say(f"ready {os.getpid()}")
    if args.mode == "close-wait":
        sock.sendall(b"c" * 10)
        sock.close()
        return {}
    sock.sendall(b"c" * 10)
    recv_exactly(sock, 20)
    if args.mode == "late-data":
        sock.close()
        time.sleep(1)
        return {}
    if args.mode == "graceful":
        wait_eof(sock)
    else:
        sock.sendall(b"x" * 10)  # to a peer that will not read it
        time.sleep(1)  # open until the server has closed (and reset)
    sock.close()
    return {}


def icmp_connect(args):
    say(f"ready {os.getpid()}")
    seen = {}
    for port in map(int, args.ports.split(",")):
        sock = socket.socket(family_of(args.connect), socket.SOCK_STREAM)
        err = 0
        if args.mode == "blocking":
            sock.settimeout(10)
            try:
                sock.connect((args.connect, port))
            except OSError as e:
                err = e.errno
        else:
            sock.setblocking(False)
            err = sock.connect_ex((args.connect, port))
            if err == errno.EINPROGRESS:
                err = 0
                if args.mode == "poll":
                    select.select([], [sock], [], 10)
                    err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                else:
                    time.sleep(0.3)
        seen[port] = errno.errorcode.get(err, str(err)) if err else ""
        sock.close()
    return {"errors": seen}


def self_connect(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    say(f"ready {os.getpid()}")
    sock.connect(("127.0.0.1", args.port))
    sock.sendall(b"abc")
    recv_exactly(sock, 3)
    sock.close()
    return {}


def exec_into(role, fd, args):
    os.set_inheritable(fd, True)
    extra = ["--hold-file", args.hold_file] if args.hold_file else []
    extra += ["--leave-open"] if args.leave_open else []
    os.execv(sys.executable, [sys.executable, HERE, role, "--fd", str(fd), "--name",
                              args.name_after, *extra])


def exec_client(args):
    sock = socket.create_connection((args.connect, args.port), timeout=10)
    say(f"ready {os.getpid()}")
    exec_into("inherited-client", sock.detach(), args)


def exec_listener(args):
    srv = listener(args.bind, args.port, 1)
    say(f"ready {os.getpid()}")
    exec_into("inherited-listener", srv.detach(), args)


def inherited_client(args):
    sock = socket.socket(fileno=args.fd)
    sock.setblocking(True)  # create_connection() left it non-blocking
    sock.sendall(b"c" * 10)
    recv_exactly(sock, 10)
    if args.leave_open:  # the kernel closes it as the process exits, after its exit event
        sock.detach()
        say({"pid": os.getpid()})
        os._exit(0)
    sock.shutdown(socket.SHUT_WR)
    wait_eof(sock)
    sock.close()
    return {}


def inherited_listener(args):
    srv = socket.socket(fileno=args.fd)
    wait_for_file(args.hold_file)
    srv.close()
    return {}


ROLES = {"half-close-server": half_close_server, "half-close-client": half_close_client,
         "icmp-connect": icmp_connect, "self-connect": self_connect,
         "exec-client": exec_client, "exec-listener": exec_listener,
         "inherited-client": inherited_client, "inherited-listener": inherited_listener}


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("role", choices=ROLES)
    p.add_argument("--name", required=True)
    p.add_argument("--name-after", help="exec roles: the name after exec()")
    p.add_argument("--bind")
    p.add_argument("--connect")
    p.add_argument("--port", type=int)
    p.add_argument("--ports")
    p.add_argument("--mode")
    p.add_argument("--fd", type=int)
    p.add_argument("--hold-file")
    p.add_argument("--leave-open", action="store_true")
    run_role(p, ROLES)


if __name__ == "__main__":
    main()
