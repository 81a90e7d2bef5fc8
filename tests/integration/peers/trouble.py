#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Traffic that makes the kernel drop, reset and overflow, in known amounts.

udp-send:     --count datagrams of --size bytes to ADDR:PORT, then exit
udp-sink:     bind ADDR:PORT with a tiny receive buffer, never read; exit
              when --hold-file exists
listen:       listen on ADDR:PORT with --backlog, never accept; exit when
              --hold-file exists
icmp-echo:    --count ICMP echo requests to ADDR (--port is ignored)
connect-many: --count non-blocking connects to ADDR:PORT (from --source-port
              and the ports after it, if given), kept open until
              --hold-file exists

Each names its process (--name), prints "ready PID" when set up and one JSON
line {"pid": ...} when done, like tcp_peer.py.
"""
import argparse
import os
import socket
import struct
import time

from tcp_peer import family_of, listener, run_role, say, wait_for_file


def udp_send(args):
    sock = socket.socket(family_of(args.addr), socket.SOCK_DGRAM)
    say(f"ready {os.getpid()}")
    wait_for_file(args.start_file)
    for _ in range(args.count):
        try:
            sock.sendto(b"u" * args.size, (args.addr, args.port))
        except PermissionError:  # dropped on the way out (a netfilter rule)
            pass
        if args.pause:
            time.sleep(args.pause)
    sock.close()


def udp_sink(args):
    sock = socket.socket(family_of(args.addr), socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
    sock.bind((args.addr, args.port))
    say(f"ready {os.getpid()}")
    wait_for_file(args.hold_file)
    sock.close()


def listen(args):
    sock = listener(args.addr, args.port, args.backlog)
    say(f"ready {os.getpid()}")
    wait_for_file(args.hold_file)
    sock.close()


def connect_many(args):
    say(f"ready {os.getpid()}")
    wait_for_file(args.start_file)
    socks, errors = [], []
    for i in range(args.count):
        sock = socket.socket(family_of(args.addr), socket.SOCK_STREAM)
        if args.source_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("", args.source_port + i))
        sock.setblocking(False)
        try:
            sock.connect((args.addr, args.port))
        except BlockingIOError:
            pass
        except OSError as e:  # no local port left, for one
            errors.append(e.errno)
        socks.append(sock)
    wait_for_file(args.hold_file)
    for sock in socks:
        sock.close()
    return {"errors": errors}


def icmp_echo(args):
    """--count ICMP echo requests to ADDR (a raw socket: root only); --port unused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    say(f"ready {os.getpid()}")
    for seq in range(args.count):
        body = struct.pack("!BBHHH", 8, 0, 0, os.getpid() & 0xffff, seq) + b"x" * 8
        total = sum(struct.unpack(f"!{len(body) // 2}H", body))
        while total >> 16:
            total = (total & 0xffff) + (total >> 16)
        body = body[:2] + struct.pack("!H", ~total & 0xffff) + body[4:]
        sock.sendto(body, (args.addr, 0))
        time.sleep(args.pause)
    sock.close()


ROLES = {"udp-send": udp_send, "udp-sink": udp_sink, "listen": listen,
         "connect-many": connect_many, "icmp-echo": icmp_echo}


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("role", choices=ROLES)
    p.add_argument("--addr", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--size", type=int, default=100)
    p.add_argument("--pause", type=float, default=0)
    p.add_argument("--rcvbuf", type=int, default=1024)
    p.add_argument("--backlog", type=int, default=1)
    p.add_argument("--start-file")
    p.add_argument("--source-port", type=int, default=0,
                   help="connect-many: bind the clients to this port and the next ones")
    p.add_argument("--hold-file")
    run_role(p, ROLES)


if __name__ == "__main__":
    main()
