#!/usr/bin/env python3
"""bench/tail.py: the isolated-episode tail, bedtimed against the relay, in one run.

    bench/tail.py [--build DIR] [--runs R] [--count N] [--rate HZ] [--qos 0|1 ...]
                  [--baseline BEDTIMED] [--state-root DIR]

Starts two private mosquittos (set_tcp_nodelay true), bench_relay on one and
bedtimed (bench/episode-echo.yaml) on the other, and sends sparse episodes
(default 10/s, 500 a run per column, 3 runs) in interleaved chunks of 100,
relay then bedtimed, so that load on the machine hits both alike. For each QoS
it prints p50/p90/p99/p99.9/max per run and pooled, and the ratio to the relay.

It also measures, in the same run, the honest floor of a durable reaction:
one SQLite transaction (one INSERT, WAL, synchronous=FULL) in bedtimed's state
directory, 50 of them before every chunk of QoS 1 episodes, pooled: the price
bedtimed pays before each QoS 1 PUBACK.

Every process it starts is stopped when it ends. See bench/README.md.
"""
import argparse
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, what):
    for _ in range(200):
        if proc.poll() is not None:
            sys.exit(f"tail.py: {what} exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"tail.py: {what} did not listen on {port}")


def percentile(sorted_xs, q):  # nearest rank
    if not sorted_xs:
        return float("nan")
    k = max(0, min(len(sorted_xs) - 1, int(-(-q * len(sorted_xs) // 1)) - 1))
    return sorted_xs[k]


def summary(xs):
    s = sorted(xs)
    return {"n": len(s), "p50": percentile(s, 0.5), "p90": percentile(s, 0.9),
            "p99": percentile(s, 0.99), "p999": percentile(s, 0.999), "max": s[-1] if s else float("nan")}


def commit_samples_us(state_dir, n=150):
    """n durable SQLite commits (WAL, synchronous=FULL) of one row each, in µs.

    Measured in steady state, as bedtimed's commits are: a WAL that grows
    makes every fdatasync flush the file's new size too (an ext4 journal
    commit), while bedtimed's WAL, restarted after each checkpoint, is
    overwritten in place. So 2n commits first grow the WAL, a checkpoint
    restarts it, and the n timed commits then overwrite it.
    """
    path = os.path.join(state_dir, "commit-probe.db")
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("pragma journal_mode=wal")
    c.execute("pragma synchronous=full")
    c.execute("create table if not exists t(id integer primary key, source text, source_id text, body text,"
              " unique(source, source_id))")
    insert = "insert into t(source, source_id, body) values('bench', ?, ?)"
    for i in range(2 * n):
        c.execute(insert, (f"w{i}", "x" * 120))
    c.execute("pragma wal_checkpoint(restart)")
    ts = []
    for i in range(n):
        t = time.perf_counter()
        c.execute(insert, (str(i), "x" * 120))
        ts.append((time.perf_counter() - t) * 1e6)
    c.close()
    for suffix in ("", "-wal", "-shm"):
        try:
            os.unlink(path + suffix)
        except FileNotFoundError:
            pass
    return ts


class Rig:
    def __init__(self, args):
        self.args = args
        self.bin = os.path.join(args.build, "bin")
        self.tmp = tempfile.mkdtemp(prefix="bedtimed-tail.")
        self.procs = []

    def spawn(self, cmd, log):
        p = subprocess.Popen(cmd, stdout=open(os.path.join(self.tmp, log), "wb"), stderr=subprocess.STDOUT)
        self.procs.append(p)
        return p

    def broker(self, name):
        port = free_port()
        conf = os.path.join(self.tmp, f"mosquitto-{name}.conf")
        with open(conf, "w") as f:
            f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                    "max_queued_messages 100000\nset_tcp_nodelay true\n")
        p = self.spawn(["mosquitto", "-c", conf], f"mosquitto-{name}.log")
        wait_port(port, p, f"mosquitto {name}")
        return f"tcp://127.0.0.1:{port}"

    def latency(self, broker, qos, count, samples):
        out = subprocess.run([os.path.join(self.bin, "bench_latency"), "--broker", broker, "--qos", str(qos),
                              "--rate", str(self.args.rate), "--count", str(count), "--samples", samples],
                             capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"tail.py: bench_latency failed: {out.stderr[-500:]}")
        line = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT")][-1]
        return dict(kv.split("=", 1) for kv in line.split()[1:])

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(3)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def read_samples(path):
    try:
        with open(path) as f:
            return [float(x) for x in f if x.strip()]
    except FileNotFoundError:
        return []


def run(rig, args):
    a, b = rig.broker("A"), rig.broker("B")
    state = os.path.join(args.state_root or rig.tmp, "state")
    os.makedirs(state, exist_ok=True)
    rig.spawn([os.path.join(rig.bin, "bench_relay"), "--broker", a], "relay.log")
    bt = rig.spawn([os.path.join(rig.bin, "bedtimed"), "--config", os.path.join(ROOT, "bench/episode-echo.yaml"),
                    "--broker", b, "--state-dir", state, "--log-level", "warn"], "bedtimed.log")
    columns = [("relay", a), ("bedtimed", b)]
    if args.baseline:  # another bedtimed binary (an older build), on a third broker
        c = rig.broker("C")
        os.makedirs(state + "-baseline", exist_ok=True)
        rig.spawn([args.baseline, "--config", os.path.join(ROOT, "bench/episode-echo.yaml"), "--broker", c,
                   "--state-dir", state + "-baseline", "--log-level", "warn"], "baseline.log")
        columns.append(("baseline", c))
    time.sleep(1.0)
    # The disk of a shared machine changes by the minute: commits are sampled beside every
    # chunk of QoS 1 episodes and pooled, as the latencies are.
    commits = []
    chunk = args.chunk
    for qos in args.qos:
        pooled = {name: [] for name, _ in columns}
        for r in range(args.runs):
            per = {name: [] for name, _ in columns}
            lost = {name: 0 for name, _ in columns}
            for c in range(0, args.count, chunk):
                if qos == 1:
                    commits += commit_samples_us(state, 50)
                k = (c // chunk) % len(columns)
                for name, broker in columns[k:] + columns[:k]:  # rotated, so no column always goes first
                    f = os.path.join(rig.tmp, f"s.{name}.{qos}.{r}.{c}")
                    res = rig.latency(broker, qos, min(chunk, args.count - c), f)
                    per[name] += read_samples(f)
                    lost[name] += int(res["lost"])
            if bt.poll() is not None:
                sys.exit("tail.py: bedtimed exited")
            for name in per:
                s = summary(per[name])
                pooled[name] += per[name]
                print(f"QoS {qos} run {r + 1} {name:8s} n={s['n']} lost={lost[name]} p50 {s['p50']:.3f} "
                      f"p90 {s['p90']:.3f} p99 {s['p99']:.3f} p99.9 {s['p999']:.3f} max {s['max']:.3f} ms")
        rs = summary(pooled["relay"])
        for name, _ in columns[1:]:
            bs = summary(pooled[name])
            print(f"QoS {qos} pooled {name} n={bs['n']} / relay: " + ", ".join(
                f"{k} {bs[k]:.3f}/{rs[k]:.3f} ({bs[k] / rs[k]:.2f}x)" for k in ("p50", "p90", "p99", "p999", "max")))
        bs = summary(pooled["bedtimed"])
        if qos == 1:
            cs = sorted(commits)
            c50, c99 = percentile(cs, 0.5), percentile(cs, 0.99)
            print(f"SQLite commit (WAL, synchronous=FULL, one row) beside the chunks, n={len(cs)}: "
                  f"p50 {c50:.0f} µs, p99 {c99:.0f} µs")
            f50, f99 = rs["p50"] + c50 / 1000, rs["p99"] + c99 / 1000
            print(f"QoS 1 against relay + one commit: p50 {bs['p50']:.3f}/{f50:.3f} ({bs['p50'] / f50:.2f}x), "
                  f"p99 {bs['p99']:.3f}/{f99:.3f} ({bs['p99'] / f99:.2f}x)")
        slow = sorted(pooled["bedtimed"])[-10:]
        print(f"QoS {qos} bedtimed slowest 10: " + " ".join(f"{x:.2f}" for x in slow))
        sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.environ.get("BEDTIMED_BENCH_BUILD", os.path.join(ROOT, "build-bench")))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--chunk", type=int, default=100)
    ap.add_argument("--rate", type=float, default=10)
    ap.add_argument("--qos", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--baseline", help="a second bedtimed binary to measure beside (e.g. the build before a change)")
    ap.add_argument("--state-root", help="where bedtimed's state directory goes (default: the temp dir)")
    args = ap.parse_args()
    rig = Rig(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        run(rig, args)
    finally:
        rig.stop()


if __name__ == "__main__":
    main()
