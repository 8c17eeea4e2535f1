"""The member directory against the Django admin changelist, on the same data, in one run.

    python bench/directory.py [--members 100000] [--runs 30] [--warmup 5]
        [--database-url postgres://postgres@127.0.0.1:5432/lusong_bench]
        [--explain]

Creates the database if missing, migrates it and seeds it with ``seed_demo --members N``
(idempotent: a second run adds nothing and reuses the data), then asks the same questions —
a search, a filter and a sort, one page of 50 rows — of our page (/members/, as the HTMX
fragment and as the full page) and of the admin changelist (/admin/members/member/). Server
time is the time django.test.Client takes to handle the request in-process: middleware,
view, SQL and template rendering; no network, no browser. Queries are counted with
CaptureQueriesContext on one extra request after the timed ones. --explain prints EXPLAIN
ANALYZE of every member query.
"""

import argparse
import base64
import hashlib
import io
import os
import platform
import secrets
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/lusong_bench"
OUR_URL = "/members/"
ADMIN_URL = "/admin/members/member/"
FRAGMENT = {"HX-Request": "true", "HX-Target": "results"}
# MemberAdmin.list_display behind the action checkbox (column 0): joined_on is column 6.
ADMIN_JOINED_COLUMN = 6
# The last four digits of 文再云's mobile (demo.plan): in every seeded database.
MOBILE_TAIL = "0516"
NO_SEARCH = "(no search) · current · newest"


@dataclass(frozen=True)
class Question:
    label: str
    ours: dict[str, str]
    admin: dict[str, str]


def questions() -> list[Question]:
    newest = {"sort": "-joined"}
    admin_newest = {"o": f"-{ADMIN_JOINED_COLUMN}"}
    return [
        Question(
            "zh · shop owners · newest",
            {"q": "zh", "status": "current", "occupation": "shop_owner", **newest},
            {
                "q": "zh",
                "status__exact": "current",
                "occupation__exact": "shop_owner",
                **admin_newest,
            },
        ),
        Question(
            "王 · employees · newest",
            {"q": "王", "status": "current", "occupation": "shop_employee", **newest},
            {
                "q": "王",
                "status__exact": "current",
                "occupation__exact": "shop_employee",
                **admin_newest,
            },
        ),
        Question(
            f"…{MOBILE_TAIL} · current · newest",
            {"q": MOBILE_TAIL, "status": "current", **newest},
            {"q": MOBILE_TAIL, "status__exact": "current", **admin_newest},
        ),
        # Context, not part of the target (which is about a search): the page as it opens,
        # newest first, the admin sorted by the same column.
        Question(
            NO_SEARCH,
            {"status": "current", **newest},
            {"status__exact": "current", **admin_newest},
        ),
    ]


def configure(database_url: str) -> None:
    """The environment config.settings needs with DEBUG off, then django.setup()."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "0"
    os.environ["DATABASE_URL"] = database_url
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)  # sessions live for this run only
    # ID numbers are stored encrypted and searched by keyed digests. A random key per run
    # would leave the seeded rows of an earlier run unreadable, and their digests unlike the
    # next run's, so the bench derives fixed keys from fixed strings. They protect nothing
    # but generated demo data; never use them for a real database.
    fernet_key = hashlib.sha256(b"lusong bench: ID number encryption key").digest()
    os.environ["ID_NUMBER_KEYS"] = base64.urlsafe_b64encode(fernet_key).decode()
    os.environ["ID_NUMBER_HASH_KEY"] = hashlib.sha256(b"lusong bench: ID digest key").hexdigest()
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["PLAIN_STATIC_STORAGE"] = "1"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))
    # WhiteNoise warns that collectstatic has not run; the bench serves no static files.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)

    import django

    django.setup()


def create_database_if_missing(database_url: str) -> bool:
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if found:
            return False
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def prepare(members: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from members.models import Member

    call_command("migrate", verbosity=0, interactive=False)
    before = Member.objects.count()
    started = time.perf_counter()
    output = io.StringIO()
    # DEBUG is off here as in production; this database holds demo data only.
    call_command("seed_demo", members=members, write_demo_data_with_debug_off=True, stdout=output)
    seconds = time.perf_counter() - started
    added = Member.objects.count() - before
    if added:
        print(f"seeded {added} members in {seconds:.1f}s (seed_demo --members {members})")
    else:
        print(f"reused the {before} members already seeded (seed_demo checked in {seconds:.1f}s)")
    # Fresh statistics and visibility map, as autovacuum would leave them on a live database.
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(f"VACUUM (ANALYZE) in {time.perf_counter() - started:.1f}s")


def machine_facts() -> None:
    import django
    from django.db import connection

    from members.models import Member

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()")
        collation = cursor.fetchone()[0]
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
        cursor.execute("SHOW max_parallel_workers_per_gather")
        workers = cursor.fetchone()[0]
    current = Member.objects.current().count()
    total = Member.objects.count()
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}, Django {django.__version__}"
    )
    print(
        f"PostgreSQL {version} on the same host (collation {collation}, jit {jit}, "
        f"max_parallel_workers_per_gather {workers}); members: {total} ({current} current, "
        f"{total - current} left)"
    )


@dataclass
class Case:
    """One request repeated: who asks, which URL, which parameters and headers."""

    question: Question
    who: str
    what: str
    url: str
    params: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)
    times: list[float] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    count: int | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        if len(self.times) < 2:  # --runs 1: no spread to measure
            return self.times[0]
        return statistics.quantiles(self.times, n=20, method="inclusive")[18]


def run(cases: list[Case], clients: dict, *, runs: int, warmup: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get(case: Case):
        response = clients[case.who].get(case.url, case.params, headers=case.headers)
        if response.status_code != 200:
            raise SystemExit(f"{case.who} {case.url} {case.params}: HTTP {response.status_code}")
        return response

    for case in cases:
        for _ in range(warmup):
            get(case)
    # Round-robin: our page and the admin see the same machine, caches and noise.
    for _ in range(runs):
        for case in cases:
            started = time.perf_counter()
            get(case)
            case.times.append((time.perf_counter() - started) * 1000)
    for case in cases:
        get(case)  # the session is renewed at most once a minute: not in the counted request
        with CaptureQueriesContext(connection) as captured:
            get(case)
        case.queries = [query["sql"] for query in captured.captured_queries]


def count_results(cases: list[Case], users: dict) -> None:
    """How many members each question finds (computed the way the view and admin do)."""
    from django.contrib import admin
    from django.test import RequestFactory

    from federation import choices
    from members import selectors
    from members.choices import tag_choices
    from members.forms import DirectoryForm
    from members.models import Member

    factory = RequestFactory()
    model_admin = admin.site.get_model_admin(Member)
    for case in cases:
        user = users[case.who]
        if case.url == ADMIN_URL:
            request = factory.get(case.url, case.params)
            request.user = user
            changelist = model_admin.get_changelist_instance(request)
            ordering = changelist.get_ordering(request, changelist.root_queryset)
            assert ordering[0] == "-joined_on", ordering  # the same sort as ours
            case.count = changelist.result_count
        else:
            form = DirectoryForm(
                case.params,
                organizations=choices.visible_organization_choices(user),
                tags=tag_choices(),
            )
            case.count = selectors.member_directory(user=user, query=form.query()).count()


def queries_by_page_size(case: Case, client) -> dict[int, int]:
    """Our fragment's query count at other page sizes (members.views.PAGE_SIZE patched)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from members import views

    counts = {}
    original = views.PAGE_SIZE
    try:
        for size in (10, 50, 200):
            views.PAGE_SIZE = size
            client.get(case.url, case.params, headers=case.headers)
            with CaptureQueriesContext(connection) as captured:
                client.get(case.url, case.params, headers=case.headers)
            counts[size] = len(captured)
    finally:
        views.PAGE_SIZE = original
    return counts


def explain(case: Case) -> None:
    from django.db import connection

    print(f"\n--- EXPLAIN ANALYZE: {case.who} {case.what} {case.url} {case.params}")
    with connection.cursor() as cursor:
        for number, query in enumerate(case.queries, 1):
            print(f"\n[{number}] {query}")
            if "members_member" not in query or not query.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}")
            for (line,) in cursor.fetchall():
                print("    " + line)


def table(cases: list[Case], admin_cases: dict[str, Case]) -> list[str]:
    header = (
        "question",
        "login",
        "request",
        "median ms",
        "p95 ms",
        "SQL",
        "found",
        "admin median",
        "admin p95",
        "admin SQL",
        "admin found",
        "ours/admin",
    )
    rows = [header]
    for case in cases:
        if case.url == ADMIN_URL:
            continue
        theirs = admin_cases[case.question.label]
        rows.append(
            (
                case.question.label,
                case.who,
                case.what,
                f"{case.median:.1f}",
                f"{case.p95:.1f}",
                str(len(case.queries)),
                str(case.count),
                f"{theirs.median:.1f}",
                f"{theirs.p95:.1f}",
                str(len(theirs.queries)),
                str(theirs.count),
                f"{case.median / theirs.median:.2f}",
            )
        )
    return _aligned(rows)


def issue_table(cases: list[Case], admin_cases: dict[str, Case]) -> list[str]:
    """Issue 8's table: per question the admin's median, then our fragment's as each login
    with its ratio to the admin's."""
    logins = ("admin", "district", "chair_shaoxing")
    rows = [("question", "admin", "ours as superuser", "as district", "as chair_shaoxing")]
    for label, theirs in admin_cases.items():
        row = [label, f"{theirs.median:.0f} ms"]
        for who in logins:
            ours = next(
                c
                for c in cases
                if c.question.label == label and c.who == who and c.what == "fragment"
            )
            row.append(f"{ours.median:.0f} ms ({ours.median / theirs.median:.2f}×)")
        rows.append(tuple(row))
    return _aligned(rows)


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _aligned(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - _width(cell))
            cells.append(cell + pad if i < 3 else pad + cell)
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE the SQL of each request"
    )
    args = parser.parse_args()
    if urlsplit(args.database_url).scheme not in {"postgres", "postgresql"}:
        parser.error("--database-url must be a postgres:// URL")

    if create_database_if_missing(args.database_url):
        print(f"created database {urlsplit(args.database_url).path.lstrip('/')}")
    configure(args.database_url)
    prepare(args.members)
    machine_facts()

    from django.contrib.auth import get_user_model
    from django.test import Client

    users = {
        username: get_user_model().objects.get(username=username)
        for username in ("admin", "district", "chair_shaoxing")
    }
    clients = {}
    for username, user in users.items():
        clients[username] = Client()
        clients[username].force_login(user)

    cases, admin_cases = [], {}
    for question in questions():
        admin_cases[question.label] = Case(
            question, "admin", "changelist", ADMIN_URL, question.admin
        )
        cases += [
            Case(question, "admin", "fragment", OUR_URL, question.ours, FRAGMENT),
            Case(question, "admin", "full page", OUR_URL, question.ours),
            admin_cases[question.label],
            Case(question, "district", "fragment", OUR_URL, question.ours, FRAGMENT),
            Case(question, "chair_shaoxing", "fragment", OUR_URL, question.ours, FRAGMENT),
        ]
    run(cases, clients, runs=args.runs, warmup=args.warmup)
    count_results(cases, users)

    print(
        f"\n{args.runs} timed requests each after {args.warmup} warm-up requests, interleaved; "
        "server time = django.test.Client handling the request in-process (middleware, view, "
        "SQL, template rendering), no network. SQL = queries per request (session and user "
        "included). found = members matching; a page shows at most 50. The admin answers as "
        "the superuser; its search is icontains on name, pinyin and initials, and cannot "
        "search a mobile's tail (hence 0 found)."
    )
    for line in table(cases, admin_cases):
        print(line)

    print(
        "\ntarget (search + filter + sort, fragment, admin login): at most half the admin's "
        "median, at most 6 SQL"
    )
    for case in cases:
        if case.who == "admin" and case.what == "fragment" and case.question.label != NO_SEARCH:
            theirs = admin_cases[case.question.label]
            ratio, count = case.median / theirs.median, len(case.queries)
            verdict = "met" if ratio <= 0.5 and count <= 6 else "NOT met"
            print(f"  {case.question.label}: {ratio:.2f} × admin, {count} SQL — {verdict}")
    print("\nissue 8's table (fragment, median; ratio to the admin's median):")
    for line in issue_table(cases, admin_cases):
        print(line)
    print("issue 8's target: every login's fragment at most 0.3 × the admin's median")
    for case in cases:
        if case.what == "fragment":
            ratio = case.median / admin_cases[case.question.label].median
            verdict = "met" if ratio <= 0.3 else "NOT met"
            print(f"  {case.question.label} as {case.who}: {ratio:.2f} × admin — {verdict}")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(
        "note: the machine may be shared with other work (load average "
        f"{', '.join(f'{x:.1f}' for x in load) if load else 'unknown'}); figures are noisy, "
        "the ratios (measured interleaved in the same run) less so."
    )
    sizes = queries_by_page_size(cases[0], clients["admin"])
    print(
        "our fragment's SQL by page size (first question, admin login): "
        + ", ".join(f"{size} rows → {count}" for size, count in sizes.items())
    )
    if args.explain:
        for case in cases:
            explain(case)


if __name__ == "__main__":
    main()
