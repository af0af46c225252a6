#!/usr/bin/env python3
"""The demo behind scripts/run-demo: shardmq-echo on every core with its stats endpoint, a short
bounded load from shardmq-echo-load (every echoed byte verified), then the per-core table read
from GET /stats, and a clean SIGTERM stop. Exits non-zero if any step fails."""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request


def parse_args():
    parser = argparse.ArgumentParser(
        prog="scripts/run-demo",
        description="Runs shardmq-echo with its stats endpoint on loopback, loads it for a few "
        "seconds with shardmq-echo-load (checking every byte), prints the per-core stats table "
        "from GET /stats and stops the server.")
    parser.add_argument("--bin-dir", default="build/bin", help="where the programs are (default build/bin)")
    parser.add_argument("--cores", type=int, help="server reactors (default: one per physical core)")
    parser.add_argument("--balance", default="rr", choices=["rr", "least-loaded", "reuseport"],
                        help="how connections are spread over the cores (default rr)")
    parser.add_argument("--connections", type=int, default=50, help="client connections (default 50)")
    parser.add_argument("--depth", type=int, default=16, help="messages in flight per connection (default 16)")
    parser.add_argument("--size", type=int, default=64, help="bytes per message (default 64)")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds of load (default 3)")
    args = parser.parse_args()
    for name in ("connections", "depth", "size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.duration <= 0 or args.duration > 600:
        parser.error("--duration must be between 0 and 600 seconds")
    return args


def wait_for_line(log_path, pattern, process, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(log_path, encoding="utf-8", errors="replace") as log:
            match = re.search(pattern, log.read())
        if match:
            return match
        if process.poll() is not None:
            break
        time.sleep(0.05)
    with open(log_path, encoding="utf-8", errors="replace") as log:
        sys.exit(f"run-demo: shardmq-echo did not report '{pattern}':\n{log.read()}")


def stats_table(stats):
    columns = [
        ("core", lambda c: c["core"]),
        ("pu", lambda c: c["reactor"]["pu"]),
        ("accepted", lambda c: c["tcp"]["accepted"]),
        ("open", lambda c: c["tcp"]["open"]),
        ("MB in", lambda c: f'{c["tcp"]["bytes_in"] / 1e6:.1f}'),
        ("MB out", lambda c: f'{c["tcp"]["bytes_out"] / 1e6:.1f}'),
        ("turns", lambda c: c["reactor"]["turns"]),
        ("handlers", lambda c: c["reactor"]["handlers_run"]),
        ("sleeps", lambda c: c["reactor"]["sleeps"]),
        ("busy %", lambda c: f'{100 * c["reactor"]["busy_ns"] / max(1, c["reactor"]["busy_ns"] + c["reactor"]["idle_ns"]):.0f}'),
        ("buf MiB", lambda c: f'{c["buffers"]["bytes_mapped"] / 2**20:.1f}'),
        ("timers", lambda c: c["timers"]["fired"]),
    ]
    rows = [[name for name, _ in columns]]
    for core in stats["cores"]:
        rows.append([str(get(core)) for _, get in columns])
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    return "\n".join("  ".join(cell.rjust(width) for cell, width in zip(row, widths)) for row in rows)


def main():
    args = parse_args()
    echo = os.path.join(args.bin_dir, "shardmq-echo")
    load = os.path.join(args.bin_dir, "shardmq-echo-load")
    for program in (echo, load):
        if not os.access(program, os.X_OK):
            sys.exit(f"run-demo: {program} is missing (build it first)")
    server_args = [echo, "--listen", "127.0.0.1:0", "--stats", "127.0.0.1:0", "--balance", args.balance]
    if args.cores:
        server_args += ["--cores", str(args.cores)]
    with tempfile.NamedTemporaryFile(prefix="shardmq-echo-", suffix=".log", delete=False) as log_file:
        log_path = log_file.name
    try:
        with open(log_path, "w") as log:
            server = subprocess.Popen(server_args, stderr=log, stdout=log)
        try:
            listening = wait_for_line(log_path, r"listening on 127\.0\.0\.1:(\d+)", server)
            stats_at = wait_for_line(log_path, r"stats on http://(127\.0\.0\.1:\d+)", server)
            with open(log_path) as log:
                print(log.read().strip(), flush=True)
            port, stats_address = listening.group(1), stats_at.group(1)
            print(f"\nload: {args.connections} connections x {args.depth} in flight, {args.size}-byte "
                  f"messages, {args.duration:g} s, every echoed byte checked", flush=True)
            result = subprocess.run(
                [load, "--connect", f"127.0.0.1:{port}", "--connections", str(args.connections), "--depth",
                 str(args.depth), "--size", str(args.size), "--duration", str(args.duration), "--warmup", "0.5",
                 "--server-pid", str(server.pid), "--json"],
                capture_output=True, text=True, timeout=args.duration + 120)
            if result.returncode != 0:
                sys.exit(f"run-demo: the load client failed ({result.returncode}):\n{result.stderr}{result.stdout}")
            figures = json.loads(result.stdout)
            print(f'  {figures["msgs_per_s"]:,.0f} msg/s, {figures["mb_per_s"]:.1f} MB/s, round trip p50 '
                  f'{figures["p50_ns"] / 1e3:.0f} us, p99 {figures["p99_ns"] / 1e3:.0f} us, server CPU '
                  f'{figures["server_cpu_ns_per_msg"]:.0f} ns/msg, {figures["errors"]} errors')
            with urllib.request.urlopen(f"http://{stats_address}/stats", timeout=10) as response:
                stats = json.load(response)
            print(f"\nper-core stats from http://{stats_address}/stats:")
            print(stats_table(stats))
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
            try:
                status = server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                sys.exit("run-demo: shardmq-echo did not stop on SIGTERM")
        if status != 0:
            sys.exit(f"run-demo: shardmq-echo exited with {status}")
        print("\nshardmq-echo stopped cleanly (SIGTERM)")
    finally:
        os.unlink(log_path)


if __name__ == "__main__":
    main()
