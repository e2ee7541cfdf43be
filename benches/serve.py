#!/usr/bin/env python3
"""`lakesql serve` as a local Athena, measured the way its users meet it.

1. Round trip of a small query through PyAthena (StartQueryExecution → polling
   GetQueryExecution → GetQueryResults), with PyAthena's poll interval at 1 ms so the
   figure is the server's, not the client's sleep; beside the same query in DuckDB
   through Python (in-process, over the same Parquet files), warm and from a new
   connection.
2. Queries per second with 8 concurrent PyAthena clients on the sample lake.

Usage (from the repository root, after `cargo build --release`):
    python3 benches/serve.py [--binary PATH] [--runs N] [--seconds S]
Needs pyathena and duckdb (pip). Talks to 127.0.0.1 only.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUERY = "SELECT count(*) AS orders, sum(quantity) AS units FROM sales WHERE year = 2024 AND month = 3"
DUCK_QUERY = (
    "SELECT count(*) AS orders, sum(quantity) AS units FROM read_parquet("
    f"'{ROOT}/sample-data/sales/*/*/*.parquet', hive_partitioning = true) "
    "WHERE year = 2024 AND month = 3"
)
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}


def default_binary():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "lakesql")


def start_server(binary, workdir, running):
    catalog = os.path.join(workdir, "catalog.db")
    subprocess.run(
        [binary, "--catalog", catalog, "-q", "-f", "queries/setup.sql"],
        cwd=ROOT, check=True, capture_output=True,
    )
    server = subprocess.Popen(
        [binary, "--catalog", catalog, "-q", "serve", "--port", "0",
         "--data-dir", os.path.join(workdir, "data"),
         "--max-running-queries", str(running)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    line = server.stdout.readline()
    endpoint = next(w for w in line.split() if w.startswith("AWS_ENDPOINT_URL="))
    return server, endpoint.split("=", 1)[1]


def connect(endpoint):
    from pyathena import connect as athena_connect

    return athena_connect(
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench-secret",
        s3_staging_dir="s3://lakesql-query-results/bench/",
        schema_name="sample",
        poll_interval=0.001,
    )


def timed(fn, runs):
    for _ in range(3):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def describe(times):
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return statistics.median(times), p95


def round_trips(endpoint, runs):
    import duckdb

    cursor = connect(endpoint).cursor()
    expected = None

    def lakesql():
        nonlocal expected
        cursor.execute(QUERY)
        expected = cursor.fetchall()

    lake = timed(lakesql, runs)
    warm = duckdb.connect()

    def duck_warm():
        return warm.sql(DUCK_QUERY).fetchall()

    def duck_cold():
        connection = duckdb.connect()
        rows = connection.sql(DUCK_QUERY).fetchall()
        connection.close()
        return rows

    got = duck_warm()
    assert [tuple(r) for r in expected] == [(int(a), int(b)) for a, b in got], (expected, got)
    return lake, timed(duck_warm, runs), timed(duck_cold, runs)


def throughput(endpoint, clients, seconds):
    done = [0] * clients
    stop = time.perf_counter() + seconds
    errors = []

    def client(i):
        try:
            cursor = connect(endpoint).cursor()
            while time.perf_counter() < stop:
                cursor.execute(QUERY)
                cursor.fetchall()
                done[i] += 1
        except Exception as e:  # reported below; a failed client fails the benchmark
            errors.append(repr(e))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        sys.exit(f"a client failed: {errors[0]}")
    return sum(done) / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=default_binary())
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    os.environ.update(AWS_ENV)
    if not os.path.exists(args.binary):
        sys.exit(f"no lakesql binary at {args.binary}: run `cargo build --release` first")
    with tempfile.TemporaryDirectory() as workdir:
        server, endpoint = start_server(args.binary, workdir, args.clients)
        try:
            lake, duck_warm, duck_cold = round_trips(endpoint, args.runs)
            qps = throughput(endpoint, args.clients, args.seconds)
        finally:
            server.terminate()
            server.wait()
    print(f"query: {QUERY}")
    print(f"{'round trip (ms)':<44}{'median':>8}{'p95':>8}{'ratio':>8}")
    base, _ = describe(lake)
    for name, times in (
        ("lakesql serve via PyAthena (poll 1 ms)", lake),
        ("DuckDB via Python, warm connection", duck_warm),
        ("DuckDB via Python, new connection", duck_cold),
    ):
        median, p95 = describe(times)
        print(f"{name:<44}{median:>8.2f}{p95:>8.2f}{median / base:>7.2f}x")
    print(f"{args.clients} concurrent PyAthena clients: {qps:.0f} queries/s over {args.seconds:.0f} s")


if __name__ == "__main__":
    main()
