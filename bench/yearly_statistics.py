"""The yearly statistics on 100,000 members: the page's server time and the workbook's build.

    python bench/yearly_statistics.py [--members 100000] [--runs 10] [--year 2026]
        [--database-url postgres://postgres@127.0.0.1:5432/lusong_bench]

Creates, migrates and seeds the database like bench/directory.py (seed_demo, idempotent),
then prints:
- the statistics page's server time (django.test.Client, in-process: middleware, view, SQL,
  templates) for district staff (the whole district) and for a market chair (one market),
  as the full page and as the htmx fragment the year/organization pickers ask for, beside
  the Django admin's member list (what staff would open to count by hand) and the old
  dashboard;
- the number of SQL queries of each, district against market (it does not grow);
- the annual workbook's build time in this process, and the peak memory (max RSS) of
  `manage.py export_stats` run as its own process.
Targets (issue 13): page under 300 ms for the district, workbook under 10 s and 300 MB.
"""

import sys
from pathlib import Path

# This file is named like the standard library's statistics module: keep its folder off the
# import path so that `import statistics` (here and in bench.directory) finds the real one.
HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if str(Path(p or ".").resolve()) != HERE]
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

from bench.directory import (  # noqa: E402
    configure,
    create_database_if_missing,
    machine_facts,
    prepare,
)

DEFAULT_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lusong_bench"
)
TARGET_PAGE_MS = 300
TARGET_WORKBOOK_S = 10
TARGET_WORKBOOK_MB = 300


def timed_get(client, url, params, headers, runs, warmup):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        response = client.get(url, params, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"{url} {params}: HTTP {response.status_code}")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url, params, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        client.get(url, params, headers=headers)
    return times, len(captured)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--year", type=int, default=None)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args()

    created = create_database_if_missing(args.database_url)
    configure(args.database_url)
    if created:
        print(f"created {args.database_url.rsplit('/', 1)[-1]}")
    prepare(args.members)

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from federation.models import Organization, OrganizationKind
    from reports.workbook import build_workbook

    year = args.year or timezone.localdate().year
    machine_facts()
    load = os.getloadavg()
    print(
        f"NOTE: a shared machine (several engineers' tests and benchmarks on {os.cpu_count()} "
        f"cores; load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the start): "
        "the figures are noisy, read them as an upper bound."
    )

    users = get_user_model().objects
    district_staff = users.get(username="district")
    chair = users.get(username="chair_shaoxing")
    district = Organization.objects.get(kind=OrganizationKind.DISTRICT_FEDERATION)
    market = chair.role_grants.get().organization
    clients = {}
    for user in (district_staff, chair):
        client = Client()
        client.force_login(user)
        clients[user.username] = client

    fragment = {"HX-Request": "true", "HX-Target": "report"}
    cases = [
        (
            "district",
            "statistics page",
            "/statistics/",
            {"organization": district.pk, "year": year},
            {},
        ),
        (
            "district",
            "picker (htmx)",
            "/statistics/",
            {"organization": district.pk, "year": year},
            fragment,
        ),
        (
            "district",
            "previous year (htmx)",
            "/statistics/",
            {"organization": district.pk, "year": year - 1},
            fragment,
        ),
        (
            "chair_shaoxing",
            "statistics page",
            "/statistics/",
            {"organization": market.pk, "year": year},
            {},
        ),
        (
            "chair_shaoxing",
            "picker (htmx)",
            "/statistics/",
            {"organization": market.pk, "year": year},
            fragment,
        ),
        (
            "district",
            "alternative: admin member list",
            "/admin/members/member/",
            {"status__exact": "current"},
            {},
        ),
        ("district", "alternative: old dashboard", "/", {}, {}),
    ]
    # The admin needs a superuser: the alternative runs as one, on the same data.
    admin = users.filter(is_superuser=True).first()
    if admin is not None:
        clients["admin"] = Client()
        clients["admin"].force_login(admin)
    print(f"\nstatistics of {year}, {args.runs} runs after {args.warmup} warm-up requests each")
    print(f"{'login':16} {'request':32} {'median ms':>10} {'p95 ms':>8} {'SQL':>4}")
    results = {}
    for who, what, url, params, headers in cases:
        if url.startswith("/admin/"):
            if admin is None:
                continue
            who = "admin"
        times, queries = timed_get(clients[who], url, params, headers, args.runs, args.warmup)
        median = statistics.median(times)
        p95 = (
            statistics.quantiles(times, n=20, method="inclusive")[18] if len(times) > 1 else median
        )
        results[(who, what)] = (median, queries)
        print(f"{who:16} {what:32} {median:10.1f} {p95:8.1f} {queries:4}")

    district_queries = results[("district", "statistics page")][1]
    market_queries = results[("chair_shaoxing", "statistics page")][1]
    print(
        f"\nSQL queries: district {district_queries}, one market {market_queries} "
        f"({'the same' if district_queries == market_queries else 'DIFFERENT'}: the count does "
        "not depend on how many markets or members)"
    )

    times = []
    for _ in range(3):
        started = time.perf_counter()
        data = build_workbook(district, year)
        times.append(time.perf_counter() - started)
    print(
        f"\nworkbook of the district, {year}: built in {statistics.median(times):.2f} s "
        f"(median of 3, in-process, {len(data):,} bytes)"
    )
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "export_stats",
            "--year",
            str(year),
            "--org",
            str(district.pk),
            str(out / f"statistics-{year}.xlsx"),
        ],
        check=True,
        env=os.environ,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"manage.py export_stats as its own process: {wall:.2f} s wall (with Django start-up), "
        f"peak memory (max RSS) {peak_mb:.0f} MB"
    )
    page = results[("district", "statistics page")][0]
    print(
        "\ntargets: district page "
        f"{page:.0f} ms (< {TARGET_PAGE_MS}: {'met' if page < TARGET_PAGE_MS else 'NOT met'}), "
        f"workbook {statistics.median(times):.1f} s (< {TARGET_WORKBOOK_S}: "
        f"{'met' if statistics.median(times) < TARGET_WORKBOOK_S else 'NOT met'}), "
        f"memory {peak_mb:.0f} MB (< {TARGET_WORKBOOK_MB}: "
        f"{'met' if peak_mb < TARGET_WORKBOOK_MB else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
