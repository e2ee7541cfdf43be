#!/usr/bin/env python3
"""Cold-process queries on Parquet lakes: lakesql beside DuckDB, DataFusion-Python and Polars.

Every query runs in a new process, as a user meets it from a shell or a script: the
engine's start-up, the catalog or file discovery, footers and data are all in the time.
Two lakes are generated once (deterministically) under --lake-dir:
- events: year/month/day over 2022-2024 (1,096 partitions), 2,000 rows per file
  (2.2 M rows): id, country, amount, user_id;
- tiny: 20,000 partitions of one 5-row file each.
lakesql reads them through its catalog (CREATE EXTERNAL TABLE + MSCK REPAIR, done once);
the anchors read the same folders with Hive partitioning. Rounds are paired: each round
runs every engine once per query; the figures are medians over the rounds. Peak memory
is the child's maximum resident set (wait4). Files, GETs and bytes are lakesql's own
`--stats json` counts (the anchors do not report theirs). Every engine's rows are
compared; a difference fails the benchmark.

Usage (after `cargo build --release`), with the anchors in the benchmark's own venv:
    python3 -m venv ~/.cache/lakesql-bench-venv
    ~/.cache/lakesql-bench-venv/bin/pip install duckdb==2.0.1 datafusion==55.0.0 \\
        polars==2.1.0 pyarrow==25.0.1 numpy
    ~/.cache/lakesql-bench-venv/bin/python benches/cold.py [--binary PATH] [--rounds N]
Talks to nothing but the local disk.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COUNTRIES = ["AR", "AU", "BR", "CA", "CN", "DE", "ES", "FR", "GB", "IN",
             "IT", "JP", "KR", "MX", "NL", "PL", "SE", "TR", "US", "ZA"]
ROWS_PER_DAY = 2000
TINY_PARTITIONS = 20_000

# (label, query, whether lakesql reads it through the catalog after ANALYZE). The anchors
# have no catalog statistics: they run the same query the same way in both cases.
QUERIES = [
    ("point query (one day)",
     "SELECT count(*) AS n, sum(amount) AS s FROM events WHERE year = 2023 AND month = 6 AND day = 15",
     False),
    ("one month",
     "SELECT count(*) AS n, sum(amount) AS s FROM events WHERE year = 2023 AND month = 6", False),
    ("full scan group-by",
     "SELECT country, count(*) AS n, sum(amount) AS s FROM events GROUP BY country ORDER BY country",
     False),
    ("non-partition filter",
     "SELECT count(*) AS n, sum(amount) AS s FROM events WHERE amount > 999.5", False),
    ("count(*) over 20,000 tiny files",
     "SELECT count(*) AS n FROM tiny", False),
    ("count(*) over 20,000 tiny files after ANALYZE",
     "SELECT count(*) AS n FROM tiny", True),
    ("min/max of a column after ANALYZE",
     "SELECT min(id) AS lo, max(user_id) AS hi, count(*) AS n FROM events", True),
    ("filter on a sorted column after ANALYZE",
     "SELECT count(*) AS n, sum(amount) AS s FROM events WHERE id BETWEEN 1000000 AND 1003999", True),
]


def generate(lake):
    """Writes the two lakes unless a previous run left them complete."""
    marker = os.path.join(lake, ".complete")
    if os.path.exists(marker):
        return
    import datetime

    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(42)
    day = datetime.date(2022, 1, 1)
    next_id = 0
    while day.year < 2025:
        folder = os.path.join(lake, "events", f"year={day.year}", f"month={day.month}", f"day={day.day}")
        os.makedirs(folder, exist_ok=True)
        table = pa.table({
            "id": pa.array(np.arange(next_id, next_id + ROWS_PER_DAY), pa.int64()),
            "country": pa.array([COUNTRIES[i] for i in rng.integers(0, len(COUNTRIES), ROWS_PER_DAY)]),
            "amount": pa.array(np.round(rng.uniform(0, 1000, ROWS_PER_DAY), 2)),
            "user_id": pa.array(rng.integers(0, 100_000, ROWS_PER_DAY), pa.int64()),
        })
        pq.write_table(table, os.path.join(folder, "part-0.parquet"))
        next_id += ROWS_PER_DAY
        day += datetime.timedelta(days=1)
    for p in range(TINY_PARTITIONS):
        folder = os.path.join(lake, "tiny", f"part={p:05d}")
        os.makedirs(folder, exist_ok=True)
        table = pa.table({
            "id": pa.array(np.arange(p * 5, p * 5 + 5), pa.int64()),
            "v": pa.array(rng.uniform(0, 1, 5)),
        })
        pq.write_table(table, os.path.join(folder, "f.parquet"))
    open(marker, "w").close()


def lakesql_setup(binary, lake, catalog, analysed):
    """Registers the lakes in `catalog`, and in `analysed` with ANALYZE run on them."""
    for path in (catalog, analysed):
        if os.path.exists(path):
            os.remove(path)
    script = f"""
CREATE DATABASE bench;
CREATE EXTERNAL TABLE bench.events (id bigint, country string, amount double, user_id bigint)
  PARTITIONED BY (year int, month int, day int) STORED AS PARQUET LOCATION '{lake}/events/';
MSCK REPAIR TABLE bench.events;
CREATE EXTERNAL TABLE bench.tiny (id bigint, v double)
  PARTITIONED BY (part string) STORED AS PARQUET LOCATION '{lake}/tiny/';
MSCK REPAIR TABLE bench.tiny;
"""
    subprocess.run([binary, "--catalog", catalog, "-q", "--stats", "off", "-c", script],
                   check=True, capture_output=True)
    analyse = """
ANALYZE TABLE bench.events COMPUTE STATISTICS FOR ALL COLUMNS;
ANALYZE TABLE bench.tiny COMPUTE STATISTICS;
"""
    subprocess.run([binary, "--catalog", analysed, "-q", "--stats", "off", "-c", script + analyse],
                   check=True, capture_output=True)


def anchor_code(engine, lake, query):
    """A Python program that runs `query` once in `engine` and prints its rows as JSON."""
    events = f"{lake}/events"
    tiny = f"{lake}/tiny"
    if engine == "DuckDB":
        body = f"""
import duckdb
con = duckdb.connect()
con.sql("CREATE VIEW events AS SELECT * FROM read_parquet('{events}/*/*/*/*.parquet', hive_partitioning = true)")
con.sql("CREATE VIEW tiny AS SELECT * FROM read_parquet('{tiny}/*/*.parquet', hive_partitioning = true)")
rows = con.sql({query!r}).fetchall()
"""
    elif engine == "DataFusion":
        body = f"""
import pyarrow as pa
from datafusion import SessionContext
ctx = SessionContext()
ctx.register_parquet("events", "{events}/", table_partition_cols=[("year", pa.int32()), ("month", pa.int32()), ("day", pa.int32())])
ctx.register_parquet("tiny", "{tiny}/", table_partition_cols=[("part", pa.string())])
rows = [tuple(r.values()) for b in ctx.sql({query!r}).collect() for r in b.to_pylist()]
"""
    else:
        body = f"""
import polars as pl
sql = pl.SQLContext(
    events=pl.scan_parquet("{events}/**/*.parquet", hive_partitioning=True),
    tiny=pl.scan_parquet("{tiny}/**/*.parquet", hive_partitioning=True),
)
rows = sql.execute({query!r}).collect().rows()
"""
    return body + "import json; print(json.dumps([list(r) for r in rows]))"


def measured(args):
    """Runs `args` and returns (wall ms, peak RSS MiB, stdout, stderr), RSS from wait4."""
    started = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out_chunks, err_chunks = [], []
    import threading

    def drain(stream, into):
        into.append(stream.read())

    readers = [threading.Thread(target=drain, args=(child.stdout, out_chunks)),
               threading.Thread(target=drain, args=(child.stderr, err_chunks))]
    for r in readers:
        r.start()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = (time.perf_counter() - started) * 1000
    for r in readers:
        r.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    out, err = "".join(out_chunks), "".join(err_chunks)
    if child.returncode != 0:
        sys.exit(f"{' '.join(args[:3])} failed ({child.returncode}):\n{err}")
    return elapsed, usage.ru_maxrss / 1024, out, err


def normalise(rows):
    """Rows as comparable tuples: numbers rounded (sums differ in the last bits between
    engines' summation orders)."""
    def value(v):
        if isinstance(v, float):
            return round(v, 2)
        if isinstance(v, str):
            try:
                return round(float(v), 2) if "." in v else int(v)
            except ValueError:
                return v
        return v
    return [tuple(value(v) for v in r) for r in rows]


def lakesql_rows(out):
    lines = [l for l in out.splitlines() if l]
    import csv
    return list(csv.reader(lines[1:]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    parser.add_argument("--binary", default=os.path.join(target, "release", "lakesql"))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--lake-dir", default=os.path.expanduser("~/.cache/lakesql-bench-lake"))
    parser.add_argument("--only", help="run only queries whose label contains this")
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"no lakesql binary at {args.binary}: run `cargo build --release` first")
    # The anchors are imported only in the children: a child forked from a parent that
    # holds them would start with their pages, and its peak RSS with them.
    versions = subprocess.run(
        [sys.executable, "-c", "import datafusion, duckdb, polars; "
         "print(duckdb.__version__, datafusion.__version__, polars.__version__)"],
        capture_output=True, text=True)
    if versions.returncode != 0:
        sys.exit(f"{versions.stderr.strip()}\nrun this with the benchmark venv's python (see the docstring)")
    duck_v, df_v, polars_v = versions.stdout.split()
    lake = os.path.abspath(args.lake_dir)
    generate(lake)
    catalog = os.path.join(lake, "catalog.db")
    analysed = os.path.join(lake, "catalog-analysed.db")
    lakesql_setup(args.binary, lake, catalog, analysed)
    engines = ["lakesql", "DuckDB", "DataFusion", "Polars"]
    print(f"binary: {args.binary} ({os.path.getsize(args.binary) / 2**20:.0f} MiB); "
          f"duckdb {duck_v}, datafusion {df_v}, polars {polars_v}; "
          f"{args.rounds} paired rounds")
    for label, query, after_analyze in QUERIES:
        if args.only and args.only not in label:
            continue
        times = {e: [] for e in engines}
        memory = {e: [] for e in engines}
        stats = []
        results = {}
        for _ in range(args.rounds):
            for engine in engines:
                if engine == "lakesql":
                    cmd = [args.binary, "--catalog", analysed if after_analyze else catalog,
                           "-q", "--stats", "json",
                           "--format", "csv", "-d", "bench", "-c", query]
                else:
                    cmd = [sys.executable, "-c", anchor_code(engine, lake, query)]
                ms, mib, out, err = measured(cmd)
                times[engine].append(ms)
                memory[engine].append(mib)
                if engine == "lakesql":
                    stats.append(json.loads(err.strip().splitlines()[-1]))
                    rows = lakesql_rows(out)
                else:
                    # The result is the last line (a library may print a notice first).
                    rows = json.loads(out.strip().splitlines()[-1])
                results[engine] = normalise(rows)
        reference = results["lakesql"]
        for engine in engines[1:]:
            if sorted(results[engine]) != sorted(reference):
                sys.exit(f"{label}: {engine} answered {results[engine][:5]} but lakesql {reference[:5]}")
        base = statistics.median(times["lakesql"])
        s = stats[0]
        print(f"\n{label}: {query}")
        print(f"  lakesql read {s['files']} files with {s['get_requests']} GETs, "
              f"{s['bytes_scanned'] / 2**20:.1f} MiB; {s['files_skipped_by_statistics']} files "
              f"skipped by statistics; answered from statistics: {s['answered_from_statistics']}")
        # ratio: lakesql's median time over this engine's (below 1: lakesql is faster).
        print(f"  {'engine':<12}{'median ms':>11}{'lakesql/x':>11}{'peak MiB':>10}")
        for engine in engines:
            median = statistics.median(times[engine])
            print(f"  {engine:<12}{median:>11.1f}{base / median:>10.2f}x"
                  f"{statistics.median(memory[engine]):>10.0f}")


if __name__ == "__main__":
    main()
