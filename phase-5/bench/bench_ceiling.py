"""The database ceiling: pgbench running our round's writes on the stack's PostgreSQL.

  python bench/bench_ceiling.py [SECONDS] [CLIENTS]     (stack up)

One transaction per round, as advance_series commits it: lock the series row, look for its
pending instance, insert the instance (task), its outbox event and its reminder row, move
the series' upcoming occurrence. The tables are copies of ours (`LIKE ... INCLUDING ALL`:
columns, defaults, unique keys and indexes; the outbox keeps its statement-level NOTIFY,
on a channel nobody listens to) in a schema of their own, so the relay and the engine never
see these rows; foreign keys are not copied. Prints transactions/s and latency (pgbench)
and PostgreSQL's CPU ms per transaction: no Dapr design can round faster than this."""

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._cpu import _TICK, _children, _proc_cpu
from tests.support.stack import STATE, db_url, query

SETUP = """
DROP SCHEMA IF EXISTS bench_ceiling CASCADE;
CREATE SCHEMA bench_ceiling;
CREATE TABLE bench_ceiling.recurring_series (LIKE public.recurring_series INCLUDING ALL);
ALTER TABLE bench_ceiling.recurring_series ADD COLUMN n int UNIQUE;
CREATE TABLE bench_ceiling.tasks (LIKE public.tasks INCLUDING ALL);
CREATE TABLE bench_ceiling.outbox (LIKE public.outbox INCLUDING ALL);
CREATE TABLE bench_ceiling.reminders (LIKE public.reminders INCLUDING ALL);
CREATE FUNCTION bench_ceiling.outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_notify('bench_ceiling_outbox', ''); RETURN NULL; END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON bench_ceiling.outbox
  FOR EACH STATEMENT EXECUTE FUNCTION bench_ceiling.outbox_notify();
INSERT INTO bench_ceiling.recurring_series (series_id, user_id, title, priority,
  recurrence_pattern, mode, timezone, recurrence_start_date, lead_time_seconds, status, n)
SELECT gen_random_uuid(), 'user-' || (g % 50), 'series ' || g, 'medium', 'FREQ=DAILY',
  'schedule', 'UTC', now()::timestamp, 900, 'active', g FROM generate_series(1, 1000) g;
"""

ROUND = r"""
\set s random(1, 1000)
BEGIN;
SELECT series_id AS sid, user_id AS uid FROM bench_ceiling.recurring_series
  WHERE n = :s FOR UPDATE \gset
SELECT task_id FROM bench_ceiling.tasks WHERE series_id = ':sid' AND status = 'pending' LIMIT 1;
INSERT INTO bench_ceiling.tasks (task_id, series_id, user_id, title, priority, due_date,
  occurrence_at, status, is_exception, is_recurring)
  VALUES (gen_random_uuid(), ':sid', ':uid', 'round', 'medium', clock_timestamp(),
  clock_timestamp(), 'pending', false, true)
  ON CONFLICT DO NOTHING;
INSERT INTO bench_ceiling.outbox (event_id, topic, event_type, partition_key, payload, attempts)
  VALUES (gen_random_uuid(), 'task-operations', 'v1.task.created', ':uid',
  jsonb_build_object('specversion', '1.0', 'type', 'v1.task.created', 'source', 'bench',
  'data', jsonb_build_object('series_id', ':sid', 'title', 'round')), 0);
INSERT INTO bench_ceiling.reminders (reminder_id, task_id, user_id, scheduled_time, "offset",
  reminder_type, status, job_name)
  VALUES (gen_random_uuid(), gen_random_uuid(), ':uid', clock_timestamp(), 'PT15M', 'email',
  'scheduled', 'reminder-' || gen_random_uuid());
UPDATE bench_ceiling.recurring_series SET upcoming_occurrence = clock_timestamp(),
  updated_at = now() WHERE n = :s;
COMMIT;
"""


def _postgres_cpu() -> float:
    """CPU seconds of PostgreSQL: the postmaster, its live backends, and (cutime/cstime)
    the backends that already exited, as pgbench's do when it disconnects."""
    pid = int((STATE / "run" / "postgres.pid").read_text().strip())
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    reaped = (int(fields[13]) + int(fields[14])) / _TICK
    todo, live = [pid], 0.0
    while todo:
        p = todo.pop()
        live += _proc_cpu(p)
        todo += _children(p)
    return reaped + live


def _pg_env() -> dict[str, str]:
    url = urlparse(db_url())
    return {
        **os.environ,
        "PGHOST": url.hostname or "127.0.0.1",
        "PGPORT": str(url.port or 5432),
        "PGUSER": unquote(url.username or ""),
        "PGPASSWORD": unquote(url.password or ""),
        "PGDATABASE": url.path.lstrip("/"),
    }


def _pgbench() -> str:
    version = query("SHOW server_version_num")[0][0]
    path = Path(f"/usr/lib/postgresql/{int(version) // 10000}/bin/pgbench")
    if not path.exists():
        raise SystemExit(f"{path} is missing: apt-get install postgresql-contrib")
    return str(path)


def main(seconds: int, clients: int) -> None:
    env = _pg_env()
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-c", SETUP], env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as script:
        script.write(ROUND)
        script.flush()
        before = _postgres_cpu()
        t0 = time.monotonic()
        run = subprocess.run(
            [_pgbench(), "-n", "-f", script.name, "-c", str(clients), "-j", "2",
             "-T", str(seconds), "-r"],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        if run.returncode != 0:
            raise SystemExit(f"pgbench failed ({run.returncode}):\n{run.stderr[-2000:]}")
        out = run.stdout
        wall = time.monotonic() - t0
        after = _postgres_cpu()
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = re.search(r"latency average = ([\d.]+) ms", out)
    processed = re.search(r"number of transactions actually processed: (\d+)", out)
    done = int(processed.group(1)) if processed else 0
    print(
        f"database ceiling (pgbench, {clients} clients, {seconds} s, our round's writes): "
        f"{tps:.0f} rounds/s, latency average {lat.group(1) if lat else '?'} ms, "
        f"PostgreSQL CPU {(after - before) * 1000 / max(done, 1):.2f} ms per round "
        f"({done} rounds in {wall:.1f} s)"
    )
    subprocess.run(
        ["psql", "-q", "-c", "DROP SCHEMA bench_ceiling CASCADE"], env=env, capture_output=True
    )


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 20,
        int(sys.argv[2]) if len(sys.argv) > 2 else 8,
    )
