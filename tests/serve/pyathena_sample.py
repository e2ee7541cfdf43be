"""PyAthena against `lakesql serve` on the sample lake: the default cursor, the
PandasCursor (which reads the result CSV through the server's S3 side) and cancel.
argv: endpoint, query. Prints the default cursor's rows as JSON (values as str) for
tests/serve.rs to compare with the shell's; exits non-zero on a failed check."""

import json
import sys
import threading
import time

from pyathena import connect
from pyathena.error import OperationalError
from pyathena.pandas.cursor import PandasCursor
from serve_client import ACCESS_KEY, REGION, SECRET_KEY

ENDPOINT, QUERY = sys.argv[1], sys.argv[2]
KW = dict(
    endpoint_url=ENDPOINT,
    region_name=REGION,
    aws_access_key_id=ACCESS_KEY,
    aws_secret_access_key=SECRET_KEY,
    s3_staging_dir="s3://lakesql-query-results/pyathena/",
    schema_name="sample",
    poll_interval=0.01,
)

cursor = connect(**KW).cursor()
cursor.execute(QUERY)
names = [d[0] for d in cursor.description]
rows = cursor.fetchall()
assert cursor.query_id and cursor.output_location.endswith(f"/{cursor.query_id}.csv")

pandas_cursor = connect(cursor_class=PandasCursor, **KW).cursor()
frame = pandas_cursor.execute(QUERY).as_pandas()
assert list(frame.columns) == names, (list(frame.columns), names)
assert len(frame) == len(rows), (len(frame), len(rows))
for got, want in zip(frame.itertuples(index=False), rows):
    assert [str(v) for v in got] == [str(v) for v in want], (got, want)

# cancel stops a long query: the cursor raises, the execution ends CANCELLED
long_cursor = connect(**KW).cursor()
outcome = {}


def run_long():
    try:
        long_cursor.execute(
            "SELECT count(*) FROM unnest(sequence(1, 30000)) a(x) "
            "CROSS JOIN unnest(sequence(1, 30000)) b(y) WHERE (x * y) % 7 = 3"
        )
        outcome["state"] = "finished"
    except OperationalError as e:
        outcome["state"] = f"raised: {e}"


thread = threading.Thread(target=run_long)
thread.start()
for _ in range(500):
    if long_cursor.query_id:
        break
    time.sleep(0.01)
time.sleep(0.2)
long_cursor.cancel()
thread.join(60)
assert outcome.get("state", "").startswith("raised"), outcome
state = long_cursor._connection.client.get_query_execution(QueryExecutionId=long_cursor.query_id)
assert state["QueryExecution"]["Status"]["State"] == "CANCELLED", state["QueryExecution"]["Status"]

print(json.dumps([names] + [[None if v is None else str(v) for v in r] for r in rows]))
