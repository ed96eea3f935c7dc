#!/usr/bin/env python3
"""Replays days of sensor and episode traffic to a running bedtimed over MQTT,
faster than real time, and prints its VmRSS after each day.

    bench/soak.py --port PORT --pid PID --day DAY.tsv [--days N] [--rate MSG_PER_S]

DAY.tsv (from bench/make_year.py) is one day of messages, topic TAB payload;
"{day}" in a payload becomes the day's number, so each day's episode is new.
Publishes at QoS 0 with a minimal MQTT 3.1.1 client (no library needed), paced
at --rate. After each day it waits 1 s and prints "day N rss_kib K".
The daemon's clock is real: nights do not roll over here (the simulated year
covers that); this checks that the real process's memory stays flat as
readings and episodes keep coming.
"""
import argparse
import socket
import struct
import sys
import time


def varint(n):
    out = bytearray()
    while True:
        b, n = n % 128, n // 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def packet(kind, body):
    return bytes([kind]) + varint(len(body)) + body


def utf8(s):
    b = s.encode()
    return struct.pack("!H", len(b)) + b


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--day", required=True)
    ap.add_argument("--days", type=int, default=3)
    ap.add_argument("--rate", type=float, default=2000)
    a = ap.parse_args()
    day = [line.rstrip("\n").split("\t", 1) for line in open(a.day) if "\t" in line]

    s = socket.create_connection(("127.0.0.1", a.port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(packet(0x10, utf8("MQTT") + bytes([4, 0x02]) + struct.pack("!H", 60) + utf8(f"bench-soak-{a.pid}")))
    ack = s.recv(4)
    if len(ack) != 4 or ack[0] != 0x20 or ack[3] != 0:
        sys.exit(f"soak.py: broker refused the connection: {ack!r}")
    print(f"day 0 rss_kib {rss_kib(a.pid)}", flush=True)
    period = 1.0 / a.rate
    batch = max(1, int(a.rate / 100))  # pace in 10 ms steps
    for d in range(1, a.days + 1):
        t0 = time.monotonic()
        for i, (topic, payload) in enumerate(day):
            s.sendall(packet(0x30, utf8(topic) + payload.replace("{day}", str(d)).encode()))
            if i % batch == batch - 1:
                ahead = t0 + (i + 1) * period - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
        time.sleep(1.0)
        print(f"day {d} rss_kib {rss_kib(a.pid)}", flush=True)
    s.sendall(bytes([0xE0, 0]))
    s.close()


if __name__ == "__main__":
    main()
