#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Sockets used by another process than the one that opened them.

  accept-fork --bind A --port P --expect N --reply M --name NAME
      accept() one connection, fork(); the parent closes its copy at once, the
      child (NAME[:12]-ch) waits for --go-file, reads N bytes, writes M, closes.
      --pid-file gets the child's pid once it exists.
  connect-child --connect A --port P --send N --expect M --name NAME
      connect(), fork(); the parent closes its copy, the child does the I/O.
  scm-rights --connect A --port P --send N --expect M --name NAME
      a child is forked first; the parent connects and passes the socket over
      a Unix socket (SCM_RIGHTS), then closes its copy; the child does the I/O.

Each prints "ready PID" when set up, then {"pid": parent, "child": pid}.
"""
import argparse
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcp_peer import family_of, recv_exactly, say, set_name, wait_for_file  # noqa: E402


def serve(conn, args):
    recv_exactly(conn, args.expect)
    conn.sendall(b"r" * args.reply)
    conn.close()


def ask(conn, args):
    conn.sendall(b"q" * args.send)
    recv_exactly(conn, args.expect)
    conn.close()


def child_name(args):
    return args.name[:12] + "-ch"


def finish(pid):
    _, status = os.waitpid(pid, 0)
    if status:
        raise SystemExit(f"child failed: {status}")
    say({"pid": os.getpid(), "child": pid})


def accept_fork(args):
    set_name(args.name)
    srv = socket.socket(family_of(args.bind), socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.bind, args.port))
    srv.listen(8)
    say(f"ready {os.getpid()}")
    conn, _ = srv.accept()
    pid = os.fork()
    if pid == 0:
        set_name(child_name(args))
        wait_for_file(args.go_file)
        serve(conn, args)
        os._exit(0)
    conn.close()
    if args.pid_file:
        with open(args.pid_file + ".tmp", "w") as f:
            f.write(str(pid))
        os.rename(args.pid_file + ".tmp", args.pid_file)
    finish(pid)


def connect_child(args):
    set_name(args.name)
    say(f"ready {os.getpid()}")
    conn = socket.create_connection((args.connect, args.port))
    pid = os.fork()
    if pid == 0:
        set_name(child_name(args))
        ask(conn, args)
        os._exit(0)
    conn.close()
    finish(pid)


def scm_rights(args):
    set_name(args.name)
    here, there = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        set_name(child_name(args))
        here.close()
        _, fds, _, _ = socket.recv_fds(there, 1, 1)
        ask(socket.socket(fileno=fds[0]), args)
        os._exit(0)
    there.close()
    say(f"ready {os.getpid()}")
    conn = socket.create_connection((args.connect, args.port))
    socket.send_fds(here, [b"s"], [conn.fileno()])
    conn.close()
    finish(pid)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["accept-fork", "connect-child", "scm-rights"])
    p.add_argument("--bind")
    p.add_argument("--connect")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--send", type=int, default=0)
    p.add_argument("--expect", type=int, default=0)
    p.add_argument("--reply", type=int, default=0)
    p.add_argument("--name", required=True)
    p.add_argument("--go-file")
    p.add_argument("--pid-file")
    args = p.parse_args()
    {"accept-fork": accept_fork, "connect-child": connect_child,
     "scm-rights": scm_rights}[args.role](args)


if __name__ == "__main__":
    main()
