"""Roster import and export on PostgreSQL, beside django-import-export and COPY, in one run.

    .venv/bin/pip install -e ".[bench]"     # django-import-export, for the comparison only
    .venv/bin/python bench/rosters.py [--rows 10000 100000] [--export 100000]
        [--database-url postgres://postgres@127.0.0.1:5432/lusong_bench10] [--profile CASE]

Uses the seeded database of bench/directory.py (seed_demo --members 100000; created and
seeded if missing). For each sheet size it writes an .xlsx of new members (name, mobile, ID
number, occupation, joining date: what a market's first upload holds) and times, each in its
own process so that peak memory (ru_maxrss) belongs to that case alone:

- ours: the preview (read the workbook, parse and validate every cell, match against the
  market's roster and every current member elsewhere, build the diff) and the commit (new
  members, their market memberships, member counts, one change record per member naming the
  batch), then the undo that puts the database back;
- django-import-export 4, tuned: bulk mode (use_bulk, batch_size 2000), skip_diff,
  force_init_instance (no lookup per row), reading the same .xlsx through tablib. It writes
  the members only: no memberships, counts or history, so it does less than ours;
- django-import-export with its defaults (a lookup, a diff and a save per row): only on
  sheets up to --defaults-max-rows (10,000), as it takes minutes beyond;
- COPY: psycopg's COPY of the same rows, already converted and encrypted, into the member
  table: the ceiling for getting rows into PostgreSQL, with no reading or checking at all.

COPY and django-import-export run in a transaction that is rolled back once timed (with the
checks PostgreSQL defers to COMMIT run first); ours is undone by its own undo. The member,
membership and change-record tables are vacuumed before every case (autovacuum is off on
this server), so that no case pays for the dead rows of the one before. For ours the commit's
steps are timed too: wall time, CPU time in Python and in its PostgreSQL backend.

Then exports --export members (the whole seeded directory, as district staff) to .xlsx (our
streaming writer, rosters/xlsxstream.py) and .csv with ours, to .xlsx with the same rows through
XlsxWriter in constant_memory mode (what we used before: "export-xlsxwriter"), and to .xlsx
with django-import-export's resource export.

The machine is shared (2 cores for several people at once): figures are noisy.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.directory import configure, create_database_if_missing  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/lusong_bench10"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡"
GIVEN = "芳娜敏静丽艳娟霞秀英华玉兰萍红梅琳婷雪莉燕云洁晶倩慧佳颖琴"


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the
    parent across fork and exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_sheet(rows: int, path: str, seed: int) -> None:
    import datetime

    import xlsxwriter

    from members.validators import id_number_check_char

    rng = random.Random(seed)
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["邵兴城市场妇联会员花名册"])
    sheet.write_row(1, 0, ["姓名", "手机号", "身份证号码", "职业", "入会日期", "备注"])
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    prefix = 140 + seed  # 141, 142: prefixes seed_demo never uses
    for i in range(rows):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        birth = datetime.date(1965, 1, 1) + datetime.timedelta(days=rng.randint(0, 12000))
        # Unique within the sheet and unlike the seeded ones (Hunan, 43xxxx): Beijing areas.
        sequence = i % 500
        first17 = f"{110000 + seed * 1000 + i // 500:06d}{birth:%Y%m%d}{sequence // 5:02d}"
        first17 += str(sequence % 5 * 2)
        row = 2 + i
        sheet.write_string(row, 0, name)
        sheet.write_string(row, 1, f"{prefix}{i:08d}"[:11])
        sheet.write_string(row, 2, first17 + id_number_check_char(first17))
        sheet.write_string(row, 3, rng.choice(["商户", "店员", "主播", "保洁"]))
        sheet.write_datetime(row, 4, datetime.date(2024, 3, 1), date)
    workbook.close()


def _staff():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="district")


def _market(index: int):
    from federation.models import Organization, OrganizationKind

    return Organization.objects.filter(kind=OrganizationKind.MARKET_FEDERATION).order_by("pk")[
        index
    ]


def case_ours(path: str, market_index: int) -> dict:
    from members.models import name_to_pinyin
    from rosters import services

    user, market = _staff(), _market(market_index)
    phases = _phases_recorded()
    data = Path(path).read_bytes()
    # pypinyin is imported on its first use (members.models.name_to_pinyin), once a process:
    # here before the clock starts, as when it was imported at startup.
    name_to_pinyin("王芳")
    base = peak_mb()
    started = time.perf_counter()
    batch = services.batch_create(organization=market, by=user, data=data, filename="bench.xlsx")
    batch = services.batch_preview(batch=batch, by=user)
    preview = time.perf_counter() - started
    assert batch.status == "previewed", batch.error
    preview_peak = peak_mb()
    started = time.perf_counter()
    phases.clear()
    clock = _Clock()
    batch = services.batch_commit(batch=batch, by=user)
    commit = time.perf_counter() - started
    commit_phases = {**phases, "whole commit": clock.read()}
    peak = peak_mb()
    started = time.perf_counter()
    services.batch_undo(batch=batch, by=user)
    undo = time.perf_counter() - started
    return {
        "preview": preview,
        "commit": commit,
        "undo": undo,
        "new": batch.summary["new"],
        "invalid": batch.summary["invalid"],
        "peak_mb": peak,
        "preview_peak_mb": preview_peak,
        "base_mb": base,
        # Where the commit's time went: wall seconds, CPU seconds in this Python process and
        # in its PostgreSQL backend (the rest is waiting: for the other, for the disk, for
        # the 2 cores that others share).
        "commit_phases": commit_phases,
    }


class _Clock:
    """Wall time, this process's CPU time and its PostgreSQL backend's CPU time (read from
    /proc: the server runs on this host) since it was made."""

    def __init__(self):
        from django.db import connection

        connection.ensure_connection()
        if not hasattr(_Clock, "stat"):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                _Clock.stat = f"/proc/{cursor.fetchone()[0]}/stat"
        self.start = self.now()

    def now(self) -> tuple[float, float, float]:
        try:
            with open(_Clock.stat) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            backend = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            backend = float("nan")
        return time.perf_counter(), time.process_time(), backend

    def read(self) -> dict:
        end = self.now()
        wall, python, postgres = (round(b - a, 2) for a, b in zip(self.start, end, strict=True))
        return {"wall": wall, "python_cpu": python, "pg_cpu": postgres}


def _phases_recorded() -> dict:
    """Time the steps of members_import_roster (and the COMMIT at its end) as the bench runs
    it: the functions are wrapped here, the product's code is unchanged."""
    from django.db import connection

    from members import services as member_services

    phases: dict[str, dict] = {}
    depth = [0]

    def timed(label, function):
        def wrapper(*args, **kwargs):
            depth[0] += 1
            clock = _Clock() if depth[0] == 1 else None
            try:
                return function(*args, **kwargs)
            finally:
                depth[0] -= 1
                if clock is not None:
                    name = label(*args, **kwargs) if callable(label) else label
                    reading = clock.read()
                    if name in phases:  # a step that runs per chunk: add up
                        reading = {k: round(v + phases[name][k], 2) for k, v in reading.items()}
                    phases[name] = reading

        return wrapper

    for name in ("_check_versions", "_insert_members", "_insert_history", "counts_add_new"):
        setattr(member_services, name, timed(name, getattr(member_services, name)))
    member_services._insert_rows = timed(
        lambda model, *a, **k: f"_insert_rows {model._meta.model_name}",
        member_services._insert_rows,
    )
    if hasattr(member_services, "members_reach_refresh"):
        member_services.members_reach_refresh = timed(
            "members_reach_refresh", member_services.members_reach_refresh
        )
    connection._commit = timed("COMMIT", connection._commit)
    return phases


def case_import_export(path: str, market_index: int, tuned: bool = True) -> dict:
    import tablib
    from import_export import resources

    from members.models import Member

    class MemberResource(resources.ModelResource):
        class Meta:
            model = Member
            fields = ("name", "mobile", "id_number", "occupation", "joined_on")
            import_id_fields = ("mobile",)
            if tuned:
                use_bulk = True
                batch_size = 2000
                skip_diff = True
                force_init_instance = True

    base = peak_mb()
    started = time.perf_counter()
    with open(path, "rb") as handle:
        sheet = tablib.Dataset().load(handle.read(), format="xlsx")
    # Its importer wants the header on the first row: drop the title row, as a user would.
    dataset = tablib.Dataset(*sheet[1:], headers=list(sheet[0]))
    dataset.headers = ["name", "mobile", "id_number", "occupation", "joined_on", "notes"]
    del dataset["notes"]
    codes = {"商户": "shop_owner", "店员": "shop_employee", "主播": "streamer", "保洁": "cleaner"}
    dataset = tablib.Dataset(
        *[(r[0], r[1], r[2], codes[r[3]], r[4]) for r in dataset], headers=dataset.headers
    )
    with _rolled_back():
        result = MemberResource().import_data(dataset, dry_run=False, use_transactions=True)
        seconds = time.perf_counter() - started + _deferred_checks()
    peak = peak_mb()
    created = result.totals.get("new", 0)
    return {
        "import": seconds,
        "new": created,
        "errors": len(result.row_errors()),
        "peak_mb": peak,
        "base_mb": base,
    }


@contextmanager
def _rolled_back():
    """Run a case that inserts members in a transaction that is then rolled back. Deleting
    the 100,000 rows afterwards took over 10 minutes: the planner, estimating 10 mobiles in
    the unnested array, looked each of the 100,000 up in the mobile's trigram index, where
    every one of them shares the trigrams of the sheet's 141… prefix."""
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _deferred_checks() -> float:
    """Run the checks PostgreSQL defers to COMMIT (the foreign keys are DEFERRABLE INITIALLY
    DEFERRED), as the commit that _rolled_back skips would: their time belongs to the case."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return time.perf_counter() - started


def vacuum() -> None:
    """The server runs with autovacuum off: every run inserts and deletes 100,000s of rows, and
    the dead ones (and stale statistics) slowed the next runs. Each case starts vacuumed; the
    dead rows found are printed (what the case before left)."""
    from django.db import connection

    tables = ("members_member", "members_membership", "audit_changerecord")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_dead_tup FROM pg_stat_user_tables WHERE relname = ANY(%s)",
            [list(tables)],
        )
        dead = dict(cursor.fetchall())
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
    found = ", ".join(f"{table} {dead.get(table, 0):,}" for table in tables)
    print(f"  (VACUUM ANALYZE {time.perf_counter() - started:.1f} s; dead rows: {found})")


def case_copy(path: str, market_index: int) -> dict:
    from django.db import connection
    from django.utils import timezone

    from members import crypto
    from members.models import name_to_pinyin
    from rosters.parsing import detect_mapping, find_header, parse_row
    from rosters.reading import read_sheet

    sheet = read_sheet(Path(path).read_bytes(), "bench.xlsx")
    header = find_header(sheet.rows)
    mapping = detect_mapping(sheet.rows[header][1])
    rows, now = [], timezone.now()
    for number, cells in sheet.rows[header + 1 :]:
        v = parse_row(number, cells, mapping).values
        pinyin, initials = name_to_pinyin(v["name"])
        rows.append(
            (
                v["name"], pinyin, initials, v["sex"], v["mobile"], "",
                crypto.encrypt(v["id_number"]), crypto.full_digest(v["id_number"]),
                crypto.tail_digest(v["id_number"]), v["birth_date"], "汉族", "masses", "",
                v.get("occupation", "other"), v["joined_on"], "current", "", "", 1, now, now,
            )
        )  # fmt: skip
    columns = (
        "name, name_pinyin, name_initials, sex, mobile, email, id_number, id_number_digest, "
        "id_number_tail_digest, birth_date, ethnicity, political_status, education, occupation, "
        "joined_on, status, left_reason, notes, version, created_at, updated_at"
    )
    base = peak_mb()
    with _rolled_back():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY members_member ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        seconds = time.perf_counter() - started + _deferred_checks()
    return {"copy": seconds, "rows": len(rows), "peak_mb": peak_mb(), "base_mb": base}


def write_xlsx_xlsxwriter(rows, columns, target) -> int:
    """What rosters.exporting used before its own writer: XlsxWriter in constant_memory mode,
    the same styles, frozen header, autofilter and widths. Kept here for the comparison."""
    import datetime

    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        target,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
         "strings_to_urls": False, "in_memory": False},
    )  # fmt: skip
    sheet = workbook.add_worksheet("Members")
    header = workbook.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for index, column in enumerate(columns):
        sheet.set_column(index, index, column.width, date if column.kind == "date" else text)
        sheet.write_string(0, index, column.header, header)
    sheet.freeze_panes(1, 0)
    count = 0
    write_string, write_datetime = sheet.write_string, sheet.write_datetime
    for row_index, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, datetime.date):
                write_datetime(row_index, col, value, date)
            else:
                write_string(row_index, col, str(value), text)
        count = row_index
    sheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
    workbook.close()
    return count


def case_export(file_format: str) -> dict:
    from members.selectors import members_visible_to
    from rosters import exporting, services

    if file_format == "xlsxwriter":
        exporting.write_xlsx = write_xlsx_xlsxwriter
        file_format = "xlsx"

    user = _staff()
    base = peak_mb()
    with tempfile.TemporaryFile() as target:
        started = time.perf_counter()
        count = services.roster_export(
            user=user,
            members=members_visible_to(user),
            file_format=file_format,
            id_numbers_asked=False,
            target=target,
            description={"bench": True},
        )
        seconds = time.perf_counter() - started
        size = target.tell()
    return {
        "export": seconds,
        "rows": count,
        "mb": size / 1e6,
        "peak_mb": peak_mb(),
        "base_mb": base,
    }


def case_export_ie() -> dict:
    from import_export import resources

    from members.models import Member

    class MemberResource(resources.ModelResource):
        class Meta:
            model = Member
            fields = ("name", "sex", "mobile", "birth_date", "ethnicity", "political_status")
            fields += ("education", "occupation", "joined_on", "status", "left_on", "notes")

    base = peak_mb()
    started = time.perf_counter()
    dataset = MemberResource().export(Member.objects.all())
    data = dataset.export("xlsx")
    seconds = time.perf_counter() - started
    return {"export": seconds, "rows": len(dataset), "mb": len(data) / 1e6, "peak_mb": peak_mb(),
            "base_mb": base}  # fmt: skip


def child(args) -> None:
    configure(args.database_url)
    import logging

    logging.disable(logging.WARNING)
    name = args.case
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    if name == "make-sheet":
        make_sheet(args.rows[0], args.path, args.seed)
        result = {}
    elif name == "ours":
        result = case_ours(args.path, args.market)
    elif name == "import-export":
        result = case_import_export(args.path, args.market)
    elif name == "import-export-defaults":
        result = case_import_export(args.path, args.market, tuned=False)
    elif name == "copy":
        result = case_copy(args.path, args.market)
    elif name in ("export-xlsx", "export-csv", "export-xlsxwriter"):
        result = case_export(name.split("-")[1])
    else:
        result = case_export_ie()
    if args.profile:
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(35)
    print(json.dumps(result))


def run_child(database_url: str, case: str, **kwargs) -> dict:
    command = [sys.executable, __file__, "--child", case, "--database-url", database_url]
    for key, value in kwargs.items():
        command += [f"--{key}", *(str(v) for v in (value if isinstance(value, list) else [value]))]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode or kwargs.get("profile"):
        print(result.stderr[-6000:], file=sys.stderr)
    if result.returncode:
        return {"failed": True}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--export", type=int, default=100_000)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--skip", nargs="*", default=[], help="cases to leave out")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    parser.add_argument("--path", default="", help=argparse.SUPPRESS)
    parser.add_argument("--market", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--profile", default="", help="profile one case (ours, copy, …)")
    parser.add_argument("--reuse", action="store_true", help="skip seed_demo's check")
    parser.add_argument(
        "--defaults-max-rows",
        type=int,
        default=10_000,
        help="largest sheet for django-import-export with its defaults (a row at a time)",
    )
    args = parser.parse_args()
    if args.child:
        args.case = args.child
        args.profile = args.profile == args.child
        child(args)
        return
    create_database_if_missing(args.database_url)
    configure(args.database_url)
    from bench.directory import machine_facts, prepare

    if not args.reuse:
        prepare(args.export)
    vacuum()
    machine_facts()
    print("NOTE: shared machine (2 cores, several helpers at work): figures are noisy.\n")
    lines = []
    extra = {"profile": args.profile} if args.profile else {}
    with tempfile.TemporaryDirectory() as folder:
        for index, rows in enumerate(args.rows):
            path = os.path.join(folder, f"roster-{rows}.xlsx")
            run_child(args.database_url, "make-sheet", rows=[rows], path=path, seed=index + 1)
            size = os.path.getsize(path) / 1e6
            print(f"sheet: {rows:,} rows, {size:.1f} MB .xlsx")
            for case in ("ours", "import-export", "import-export-defaults", "copy"):
                if case in args.skip:
                    continue
                if case == "import-export-defaults" and rows > args.defaults_max_rows:
                    print(f"  {case:14} not run above {args.defaults_max_rows:,} rows")
                    continue
                vacuum()  # every case starts from the same state
                result = run_child(
                    args.database_url, case, path=path, market=index, rows=[rows], **extra
                )
                lines.append((rows, case, result))
                print(f"  {case:14} {json.dumps(result)}", flush=True)
    print()
    for case in ("export-xlsx", "export-xlsxwriter", "export-csv", "export-ie"):
        if case in args.skip:
            continue
        result = run_child(args.database_url, case, **extra)
        print(f"{case:14} {json.dumps(result)}", flush=True)
    print()
    print("rows     case                    seconds   rows/s    peak MB")
    for rows, case, result in lines:
        if result.get("failed"):
            print(f"{rows:<8} {case:22} failed")
            continue
        seconds = sum(result.get(k, 0) for k in ("preview", "commit", "import", "copy"))
        print(f"{rows:<8} {case:22} {seconds:8.1f} {rows / seconds:9,.0f} {result['peak_mb']:9.0f}")


if __name__ == "__main__":
    main()
