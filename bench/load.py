"""Many people at once: Locust against gunicorn started as production starts it, 100,000 members.

    python bench/load.py [--levels 20,50,100] [--seconds 60] [--members 100000]
        [--database-url postgres://postgres@127.0.0.1:5432/lusong_bench]
        [--redis-url redis://127.0.0.1:6379/0] [--port 8765] [--workers 2]

Prepares the database as bench/directory.py does (created, migrated, seeded if missing),
gives each of the 38 markets a chair login for the bench and logs every simulated person in
beforehand (a session each, as after a morning's login: logging in is not what is measured).
Then starts gunicorn with the production recipe's configuration (config/gunicorn.py,
config.wsgi, DEBUG off, the PostgreSQL pool, the Redis cache; 2 sync workers), bound to
127.0.0.1 only, and for each level runs Locust headless (bench/locustfile.py): market chairs
70 % (htmx directory search, open records), district staff 25 % (dashboard, tree page and
nodes, filtered directory), viewers 5 %; 1–3 s think time. Statistics restart once a level's
people are all running; each level prints requests/s, median, p95, p99 and errors, overall
and per endpoint, and the CPU seconds of gunicorn and of PostgreSQL's backends. Everything it
started is stopped at the end, also on Ctrl-C or an error.
"""

import argparse
import csv
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.directory import (
    DEFAULT_DATABASE_URL,
    _aligned,
    configure,
    create_database_if_missing,
    machine_facts,
    prepare,
)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
BENCH_CHAIR_PREFIX = "bench_chair_"
# The measurement before this work (same kind of machine, same personas).
BEFORE = {
    20: ("15", "97", "365", "629"),
    30: ("21", "226", "666", "893"),
    40: ("23", "505", "1294", "1707"),
    50: ("23", "831", "2103", "2633"),
}


def bench_logins() -> dict[str, list]:
    """The logins each persona uses: a chair for every market (created for the bench, with no
    usable password), the demo's district and cluster staff, the demo viewer."""
    from django.contrib.auth import get_user_model

    from federation.models import Organization, OrganizationKind, Role, RoleGrant

    User = get_user_model()
    chairs = []
    markets = Organization.objects.filter(kind=OrganizationKind.MARKET_FEDERATION).order_by("pk")
    for market in markets:
        user, created = User.objects.get_or_create(username=f"{BENCH_CHAIR_PREFIX}{market.pk}")
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        RoleGrant.objects.get_or_create(user=user, role=Role.MARKET_CHAIR, organization=market)
        chairs.append(user)
    staff = list(User.objects.filter(username__in=["district", "cluster"]).order_by("username"))
    viewers = list(User.objects.filter(username="viewer"))
    if not chairs or not staff or not viewers:
        raise SystemExit("the seeded database lacks the demo logins (district, cluster, viewer)")
    return {"chair": chairs, "district": staff, "viewer": viewers}


def make_plan(levels: list[int], base_url: str) -> dict:
    """Sessions for the largest level of every persona (logged in as login() does, so the
    session carries what the security middleware expects), and what the people click."""
    from django.conf import settings
    from django.test import Client

    from federation.models import Organization, OrganizationKind
    from federation.scope import organizations_visible_to

    needed = max(levels)
    sessions: dict[str, list[str]] = {}
    tree_parents: dict[str, list[int]] = {}
    for persona, users in bench_logins().items():
        sessions[persona] = []
        for i in range(needed):
            client = Client()
            client.force_login(users[i % len(users)])
            sessions[persona].append(client.cookies[settings.SESSION_COOKIE_NAME].value)
        # The nodes with children that every login of the persona sees (cluster staff do
        # not see the district above them): a node out of scope would answer 404.
        common = None
        for user in users:
            visible = organizations_visible_to(user)
            parents = set(
                visible.filter(pk__in=visible.values("parent")).values_list("pk", flat=True)
            )
            common = parents if common is None else common & parents
        tree_parents[persona] = sorted(common or ())
    markets = list(
        Organization.objects.filter(kind=OrganizationKind.MARKET_FEDERATION).values_list(
            "pk", flat=True
        )
    )
    return {
        "host": base_url,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "sessions": sessions,
        "tree_parents": tree_parents,
        "markets": markets,
    }


def server_environment(args) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "WEB_WORKERS": str(args.workers),
            "ALLOWED_HOSTS": HOST,
            # Plain HTTP on the loopback: production's TLS proxy is not part of the bench.
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "SECURE_SSL_REDIRECT": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def start_gunicorn(args, log_path: Path) -> subprocess.Popen:
    command = [
        str(BIN / "gunicorn"),
        "-c",
        "config/gunicorn.py",
        # The recipe binds 0.0.0.0:8000 in a container; the bench listens on the loopback only.
        "--bind",
        f"{HOST}:{args.port}",
        "config.wsgi:application",
    ]
    log = log_path.open("w")
    server = subprocess.Popen(  # noqa: S603 — our own gunicorn with fixed arguments
        command,
        cwd=ROOT,
        env=server_environment(args),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{args.port}/login/", timeout=5) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer within 60 s; see {log_path}")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def cpu_seconds(server: subprocess.Popen, database: str) -> tuple[float, float, float]:
    """CPU seconds so far of gunicorn (master and workers), of this database's PostgreSQL
    backends, and of the whole machine (busy, all processes: the other work on it)."""
    import psutil
    from django.db import connection

    def used(process) -> float:
        try:
            times = process.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return 0.0
        return times.user + times.system

    master = psutil.Process(server.pid)
    app = used(master) + sum(used(child) for child in master.children(recursive=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        pids = [pid for (pid,) in cursor.fetchall()]
    postgres = 0.0
    for pid in pids:
        try:
            postgres += used(psutil.Process(pid))
        except psutil.NoSuchProcess:
            pass
    machine = psutil.cpu_times()
    busy = machine.user + machine.system + machine.nice + getattr(machine, "softirq", 0)
    return app, postgres, busy


def run_level(users: int, args, plan_path: Path, out: Path) -> Path:
    prefix = out / f"level_{users}"
    spawn_rate = max(1, users // 5)  # everyone running within about 5 s
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        f"http://{HOST}:{args.port}",
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{args.seconds}s",
        "--reset-stats",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "ERROR",
        "--stop-timeout",
        "5",
    ]
    env = dict(os.environ, LUSONG_LOAD_PLAN=str(plan_path))
    result = subprocess.run(  # noqa: S603 — our own locust with fixed arguments
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists():
        raise SystemExit(f"locust wrote no statistics:\n{result.stdout}\n{result.stderr}")
    return stats


def read_stats(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def level_rows(users: int, stats: list[dict[str, str]], cpu: tuple[float, float, float]):
    total = next(row for row in stats if row["Name"] == "Aggregated")
    errors = int(total["Failure Count"])
    summary = (
        str(users),
        f"{float(total['Requests/s']):.1f}",
        total["50%"],
        total["95%"],
        total["99%"],
        f"{errors} / {total['Request Count']}",
        f"{cpu[0]:.0f}",
        f"{cpu[1]:.0f}",
        f"{cpu[2]:.0f}",
    )
    endpoints = [
        (
            str(users),
            row["Name"],
            row["Request Count"],
            f"{float(row['Requests/s']):.1f}",
            row["50%"],
            row["95%"],
            row["99%"],
            row["Max Response Time"].split(".")[0],
            row["Failure Count"],
        )
        for row in stats
        if row["Name"] != "Aggregated"
    ]
    return summary, endpoints


def verdict(results: dict[int, tuple]) -> list[str]:
    lines = []
    at_50 = results.get(50)
    if at_50:
        p95, p99 = float(at_50[3]), float(at_50[4])
        errors = int(at_50[5].split(" / ")[0])
        ok = p95 < 500 and p99 < 1000 and errors == 0
        lines.append(
            f"50 people: p95 {p95:.0f} ms (< 500), p99 {p99:.0f} ms (< 1000), {errors} errors "
            f"(0) — {'met' if ok else 'MISSED'}"
        )
    under_1s = [float(row[1]) for row in results.values() if float(row[3]) < 1000]
    best = max(under_1s, default=0.0)
    lines.append(
        f"capacity with p95 under 1 s: {best:.1f} requests/s at the levels run (target ≥ 60) — "
        f"{'met' if best >= 60 else 'not shown at these levels'}"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--levels", default="20,50,100")
    parser.add_argument("--seconds", type=int, default=60, help="per level, ramp included")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the CSV and server log")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    if urlsplit(args.database_url).scheme not in {"postgres", "postgresql"}:
        parser.error("--database-url must be a postgres:// URL")
    if urlsplit(args.redis_url).hostname not in {"127.0.0.1", "localhost"}:
        parser.error("--redis-url must be on this machine")

    if create_database_if_missing(args.database_url):
        print(f"created database {urlsplit(args.database_url).path.lstrip('/')}")
    # The bench process and gunicorn share SECRET_KEY, the keys and the cache: the sessions
    # made here are read there.
    os.environ["REDIS_URL"] = args.redis_url
    configure(args.database_url)
    prepare(args.members)
    machine_facts()
    print(
        "note: the machine is shared with other work (its busy CPU-seconds are printed beside "
        "ours): figures are noisy, compare within one run"
    )

    out = Path(tempfile.mkdtemp(prefix="lusong-load-"))
    plan_path = out / "plan.json"
    base_url = f"http://{HOST}:{args.port}"
    plan_path.write_text(json.dumps(make_plan(levels, base_url)), encoding="utf-8")
    from django.db import connections

    database = connections["default"].settings_dict["NAME"]
    server = None
    results, endpoints = {}, []
    try:
        server = start_gunicorn(args, out / "gunicorn.log")
        print(
            f"gunicorn -c config/gunicorn.py config.wsgi:application on {base_url}, "
            f"{args.workers} sync workers; Redis {urlsplit(args.redis_url).path or '/0'}; "
            f"{args.seconds} s per level, ramp included, statistics from full strength"
        )
        for users in levels:
            before = cpu_seconds(server, database)
            stats = read_stats(run_level(users, args, plan_path, out))
            after = cpu_seconds(server, database)
            cpu = tuple(b - a for a, b in zip(before, after, strict=True))
            summary, rows = level_rows(users, stats, cpu)
            results[users] = summary
            endpoints += rows
            print(f"  {users} people: {summary[1]} req/s, p95 {summary[3]} ms, errors {summary[5]}")
    finally:
        stop(server)
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
        else:
            print(f"kept {out}")

    print(f"\nmachine: {os.cpu_count()} cores, {platform.machine()}; times in ms (Locust)")
    header = (
        "people",
        "req/s",
        "median",
        "p95",
        "p99",
        "errors / requests",
        "app CPU s",
        "PostgreSQL CPU s",
        "machine busy CPU s",
    )
    for line in _aligned([header, *results.values()]):
        print(line)
    print("\nbefore (the issue's table: same personas, before this work):")
    before_rows = [("people", "req/s", "median", "p95", "p99")]
    before_rows += [(str(n), *row) for n, row in BEFORE.items()]
    for line in _aligned(before_rows):
        print(line)
    print("\nper endpoint:")
    header = ("people", "endpoint", "requests", "req/s", "median", "p95", "p99", "max", "errors")
    for line in _aligned([header, *endpoints]):
        print(line)
    print()
    for line in verdict(results):
        print(line)


if __name__ == "__main__":
    main()
