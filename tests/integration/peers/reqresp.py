#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Request/response peers for latency tests.

  server --bind A --port P:DELAY_MS [--port P:DELAY_MS ...] [--backlog N]
         [--accept-after S]
      one listener per port; each connection is served in its own thread:
      every request byte is answered with one byte after DELAY_MS. With
      --accept-after, nothing is accepted for the first S seconds (a full
      accept queue makes the kernel drop further SYNs). Runs until killed.
  client --connect A --port P --requests N [--connections C] [--start-file F]
         [--pause-after K --paused-file P --resume-file R]
      C connections one after the other, N one-byte requests on each, each
      waiting for its answer; prints {"pid": ..., "connect_s": [...]}. With
      --pause-after, after K requests on the first connection it creates P
      and waits for R.
  hold --connect A --port P
      connects and keeps the connection open until killed.
  proxy --bind A --port P --upstream B:Q
      for each connection accepted on P, a connection to B:Q; every request
      byte goes up, every answer byte comes back. Runs until killed.

Each prints "ready PID" when set up.
"""
import argparse
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcp_peer import family_of, say, set_name, wait_for_file  # noqa: E402


def serve(conn, delay):
    while True:
        data = conn.recv(4096)
        if not data:
            break
        for _ in data:
            time.sleep(delay)
            conn.sendall(b"r")
    conn.close()


def listener(args, port, delay, ready):
    srv = socket.socket(family_of(args.bind), socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.bind, port))
    srv.listen(args.backlog)
    ready.release()
    if args.accept_after:
        time.sleep(args.accept_after)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, delay), daemon=True).start()


def server(args):
    set_name(args.name)
    ready = threading.Semaphore(0)
    for spec in args.port:
        port, delay = spec.split(":")
        threading.Thread(target=listener, args=(args, int(port), int(delay) / 1000, ready),
                         daemon=True).start()
    for _ in args.port:
        ready.acquire()
    say(f"ready {os.getpid()}")
    while True:
        time.sleep(3600)


def client(args):
    set_name(args.name)
    say(f"ready {os.getpid()}")
    wait_for_file(args.start_file)
    took = []
    for _ in range(args.connections):
        started = time.monotonic()
        s = socket.create_connection((args.connect, int(args.port[0])), timeout=30)
        took.append(time.monotonic() - started)
        for i in range(args.requests):
            if args.pause_after and i == args.pause_after and not took[1:]:
                open(args.paused_file, "w").close()
                wait_for_file(args.resume_file)
            s.sendall(b"q")
            if not s.recv(1):
                raise SystemExit("server closed")
        s.close()
    say({"pid": os.getpid(), "connect_s": took})


def relay(conn, upstream):
    up = socket.create_connection(upstream)
    while True:
        data = conn.recv(4096)
        if not data:
            break
        for byte in data:
            up.sendall(bytes([byte]))
            conn.sendall(up.recv(1))
    up.close()
    conn.close()


def proxy(args):
    set_name(args.name)
    host, port = args.upstream.rsplit(":", 1)
    srv = socket.socket(family_of(args.bind), socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.bind, int(args.port[0])))
    srv.listen(64)
    say(f"ready {os.getpid()}")
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=relay, args=(conn, (host, int(port))), daemon=True).start()


def hold(args):
    set_name(args.name)
    s = socket.create_connection((args.connect, int(args.port[0])))
    say(f"ready {os.getpid()}")
    while True:
        time.sleep(3600)
    s.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["server", "client", "hold", "proxy"])
    p.add_argument("--upstream")
    p.add_argument("--bind")
    p.add_argument("--connect")
    p.add_argument("--port", action="append", required=True)
    p.add_argument("--backlog", type=int, default=64)
    p.add_argument("--accept-after", type=float, default=0)
    p.add_argument("--requests", type=int, default=1)
    p.add_argument("--connections", type=int, default=1)
    p.add_argument("--start-file")
    p.add_argument("--pause-after", type=int, default=0)
    p.add_argument("--paused-file")
    p.add_argument("--resume-file")
    p.add_argument("--name", default="reqresp")
    args = p.parse_args()
    {"server": server, "client": client, "hold": hold, "proxy": proxy}[args.role](args)


if __name__ == "__main__":
    main()
