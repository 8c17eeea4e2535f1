"""Server time of the organization tree (the page and every node) and the dashboard, per login.

    python bench/pages.py [--members 100000] [--runs 15] [--warmup 3]
        [--database-url postgres://postgres@127.0.0.1:5432/lusong_bench] [--explain]

The same database and setup as bench/directory.py (created, migrated and seeded if missing).
Server time is what django.test.Client takes to handle a request in-process: middleware,
view, SQL and templates. Every node of the tree is opened as every login that sees it
(`/organizations/?parent=N` with HX-Request, what expanding a node fetches); the table shows
the tree page, the slowest node and the median node, and the dashboard, with their SQL counts.
--explain prints EXPLAIN ANALYZE of the slowest node's and the dashboard's queries.
"""

import argparse
import statistics
import sys
import time
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

LOGINS = ("admin", "district", "cluster", "chair_shaoxing", "viewer", "home_manager")
TREE_TARGET_MS = 100.0
# The app's own CPU per request (this process: middleware, view, ORM, templates; not
# PostgreSQL's), less disturbed by other work on the machine than wall-clock time.
CPU_MS: dict = {}


def cpu_ms(url: str, params: dict, headers: dict) -> str:
    return f"{CPU_MS[(url, tuple(sorted(params.items())), bool(headers))]:.1f}"


def timed(client, url: str, params: dict, headers: dict, runs: int, warmup: int):
    for _ in range(warmup):
        response = client.get(url, params, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"{url} {params}: HTTP {response.status_code}")
    times = []
    cpu_started = time.process_time()
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url, params, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
    CPU_MS[(url, tuple(sorted(params.items())), bool(headers))] = (
        (time.process_time() - cpu_started) * 1000 / runs
    )
    return times


def queries(client, url: str, params: dict, headers: dict) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params, headers=headers)
    with CaptureQueriesContext(connection) as captured:
        client.get(url, params, headers=headers)
    return [q["sql"] for q in captured.captured_queries]


def explain(label: str, sqls: list[str]) -> None:
    from django.db import connection

    print(f"\n--- EXPLAIN ANALYZE: {label}")
    with connection.cursor() as cursor:
        for number, sql in enumerate(sqls, 1):
            print(f"\n[{number}] {sql}")
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            for (line,) in cursor.fetchall():
                print("    " + line)


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[18]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    if urlsplit(args.database_url).scheme not in {"postgres", "postgresql"}:
        parser.error("--database-url must be a postgres:// URL")
    if create_database_if_missing(args.database_url):
        print(f"created database {urlsplit(args.database_url).path.lstrip('/')}")
    configure(args.database_url)
    prepare(args.members)
    machine_facts()
    print("the machine is shared with other work: figures are noisy")

    from django.contrib.auth import get_user_model
    from django.test import Client

    from federation.models import Organization
    from federation.scope import organizations_visible_to

    fragment = {"HX-Request": "true"}
    rows = [("login", "request", "median ms", "p95 ms", "max ms", "app CPU ms", "SQL", "target")]
    explained = []
    worst_node_overall = 0.0
    for username in LOGINS:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        page = timed(client, "/organizations/", {}, {}, args.runs, args.warmup)
        rows.append(
            (
                username,
                "tree page",
                f"{statistics.median(page):.1f}",
                f"{p95(page):.1f}",
                f"{max(page):.1f}",
                cpu_ms("/organizations/", {}, {}),
                str(len(queries(client, "/organizations/", {}, {}))),
                "met" if p95(page) < TREE_TARGET_MS else "MISSED",
            )
        )
        # Every node with children she can see, opened as htmx does.
        visible = organizations_visible_to(user)
        parents = list(
            Organization.objects.filter(pk__in=visible.values("parent")).values_list(
                "pk", flat=True
            )
        )
        node_medians = {}
        node_runs = max(3, args.runs // 3)
        for pk in parents:
            if not visible.filter(pk=pk).exists():
                continue
            times = timed(client, "/organizations/", {"parent": pk}, fragment, node_runs, 1)
            node_medians[pk] = statistics.median(times)
        if node_medians:
            worst = max(node_medians, key=node_medians.get)
            worst_node_overall = max(worst_node_overall, node_medians[worst])
            times = timed(client, "/organizations/", {"parent": worst}, fragment, args.runs, 1)
            sqls = queries(client, "/organizations/", {"parent": worst}, fragment)
            rows.append(
                (
                    username,
                    f"slowest of {len(node_medians)} nodes (?parent={worst})",
                    f"{statistics.median(times):.1f}",
                    f"{p95(times):.1f}",
                    f"{max(times):.1f}",
                    cpu_ms("/organizations/", {"parent": worst}, fragment),
                    str(len(sqls)),
                    "met" if p95(times) < TREE_TARGET_MS else "MISSED",
                )
            )
            rows.append(
                (
                    username,
                    "median node",
                    f"{statistics.median(node_medians.values()):.1f}",
                    "",
                    "",
                    "",
                    "",
                    "",
                )
            )
            if args.explain and username == "district":
                explained.append((f"{username} ?parent={worst}", sqls))
        dash = timed(client, "/", {}, {}, args.runs, args.warmup)
        dash_sql = queries(client, "/", {}, {})
        rows.append(
            (
                username,
                "dashboard",
                f"{statistics.median(dash):.1f}",
                f"{p95(dash):.1f}",
                f"{max(dash):.1f}",
                cpu_ms("/", {}, {}),
                str(len(dash_sql)),
                "",
            )
        )
        if args.explain and username == "district":
            explained.append((f"{username} dashboard", dash_sql))
    print()
    for line in _aligned(rows):
        print(line)
    print(
        f"\ntarget: every tree node and the tree page under {TREE_TARGET_MS:.0f} ms server time "
        f"(p95) for every login; the slowest node's median: {worst_node_overall:.1f} ms"
    )
    for label, sqls in explained:
        explain(label, sqls)


if __name__ == "__main__":
    main()
