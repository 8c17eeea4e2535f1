"""Backups of the configured database, and their restore (``manage.py backup`` / ``restore``).

PostgreSQL goes through ``pg_dump --format=custom`` and ``pg_restore``; SQLite through its
online backup API. Either way the copy is consistent: pg_dump reads one snapshot (the one
this module exports, so the row counts it prints are those of the dump), and SQLite's
backup copies the whole file under one read lock.

A backup holds members' personal data: it is written to a temporary file beside its final
name with mode 0600 and renamed only once complete, so a failed backup never leaves a half
file under the final name.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

POSTGRESQL = "postgresql"
SQLITE = "sqlite"
# The first bytes of a pg_dump custom-format archive and of an SQLite database file.
MAGIC = {POSTGRESQL: b"PGDMP", SQLITE: b"SQLite format 3\x00"}
EXTENSIONS = {POSTGRESQL: "dump", SQLITE: "sqlite3"}
LABELS = {POSTGRESQL: "PostgreSQL", SQLITE: "SQLite"}
# Printed after a backup or restore so that the operator can see it holds what it should.
KEY_TABLES = ("members_member", "federation_organization", "audit_accessevent")
FILE_MODE = 0o600
DIRECTORY_MODE = 0o700
# libpq reads these from the environment; OPTIONS keys as in Django's dbshell.
_LIBPQ_OPTION_ENV = {
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}

Log = Callable[[str], object]


@dataclass
class Outcome:
    path: Path
    vendor: str
    counts: dict[str, int | None]


# --- Shared ---------------------------------------------------------------------------------


def database_vendor(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor in (POSTGRESQL, SQLITE):
        return connection.vendor
    raise CommandError(
        f"Backups support PostgreSQL and SQLite; the {connection.alias!r} database is "
        f"{connection.vendor}."
    )


def file_format(path: Path) -> str | None:
    """POSTGRESQL or SQLITE from the file's first bytes, None for anything else."""
    with path.open("rb") as file:
        head = file.read(len(MAGIC[SQLITE]))
    for vendor, magic in MAGIC.items():
        if head.startswith(magic):
            return vendor
    return None


def default_path(vendor: str) -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.BASE_DIR) / "backups" / f"lusong-{stamp}.{EXTENSIONS[vendor]}"


def _refuse_inside_transaction(connection: BaseDatabaseWrapper, what: str) -> None:
    if connection.in_atomic_block:
        raise CommandError(f"{what} cannot run inside a database transaction.")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _count_rows(cursor, existing: set[str]) -> dict[str, int | None]:
    counts: dict[str, int | None] = {}
    for table in KEY_TABLES:
        if table in existing:
            cursor.execute(f"SELECT count(*) FROM {_quote(table)}")  # noqa: S608 (fixed names)
            counts[table] = cursor.fetchone()[0]
        else:
            counts[table] = None
    return counts


def _live_counts(connection: BaseDatabaseWrapper) -> dict[str, int | None]:
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        return _count_rows(cursor, existing)


def report_counts(counts: dict[str, int | None], log: Log) -> None:
    for table, count in counts.items():
        log(f"  {table}: {'missing' if count is None else count}")


# --- Backup ---------------------------------------------------------------------------------


def backup(output: Path | str | None = None, *, using: str = DEFAULT_DB_ALIAS, log: Log) -> Outcome:
    connection = connections[using]
    vendor = database_vendor(connection)
    _refuse_inside_transaction(connection, "A backup")
    explicit = output is not None
    target = Path(output) if explicit else default_path(vendor)
    target = target.expanduser().absolute()
    if not explicit and target.exists():
        raise CommandError(f"{target} already exists; wait a second and try again.")
    if target.is_dir():
        raise CommandError(f"{target} is a directory; give the backup file's name.")
    try:
        target.parent.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
        descriptor, temporary_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".part", dir=target.parent
        )
    except OSError as error:
        raise CommandError(
            f"Cannot write a backup in {target.parent}: {error.strerror}. "
            "Choose another place with --output."
        ) from None
    os.close(descriptor)
    temporary = Path(temporary_name)
    try:
        os.chmod(temporary, FILE_MODE)
        log(f"Backing up the {LABELS[vendor]} database {_database_label(connection)}…")
        if vendor == POSTGRESQL:
            counts = _backup_postgresql(connection, temporary)
        else:
            counts = _backup_sqlite(connection, temporary)
        os.chmod(temporary, FILE_MODE)
        _fsync(temporary)
        os.replace(temporary, target)
        _fsync_directory(target.parent)
    except BaseException:
        temporary.unlink(missing_ok=True)
        Path(f"{temporary}-journal").unlink(missing_ok=True)
        raise
    size = target.stat().st_size
    log(f"Wrote {target} ({_size_label(size)}, mode 0600). Rows in the backup:")
    report_counts(counts, log)
    return Outcome(target, vendor, counts)


def _backup_postgresql(connection: BaseDatabaseWrapper, temporary: Path) -> dict[str, int | None]:
    argv, env = pg_command(
        "pg_dump",
        connection.settings_dict,
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        f"--file={temporary}",
    )
    # pg_dump reads one snapshot anyway; exporting ours lets us count the very rows it dumps.
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        run_pg([*argv, f"--snapshot={snapshot}"], env, connection.settings_dict)
        existing = set(connection.introspection.table_names(cursor))
        return _count_rows(cursor, existing)


def _backup_sqlite(connection: BaseDatabaseWrapper, temporary: Path) -> dict[str, int | None]:
    connection.ensure_connection()
    target = sqlite3.connect(temporary)
    try:
        # One step (pages=-1): the whole database is copied under a single read lock.
        try:
            connection.connection.backup(target)
        except sqlite3.Error as error:
            raise CommandError(f"The SQLite backup failed: {error}.") from None
        # A self-contained file, whatever journal mode the live database uses.
        target.execute("PRAGMA journal_mode=DELETE").fetchall()
        cursor = target.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        existing = {row[0] for row in cursor.fetchall()}
        counts = _count_rows(cursor, existing)
        cursor.close()
    finally:
        target.close()
    return counts


# --- Restore --------------------------------------------------------------------------------


def check_restorable(path: Path | str, *, using: str = DEFAULT_DB_ALIAS) -> Path:
    """The backup's path if it is a backup of the configured kind of database."""
    connection = connections[using]
    vendor = database_vendor(connection)
    source = Path(path).expanduser().absolute()
    if not source.is_file():
        raise CommandError(f"{source} is not a file.")
    kind = file_format(source)
    if kind is None:
        raise CommandError(
            f"{source} is neither a PostgreSQL dump (pg_dump --format=custom) nor an SQLite "
            "database, so it is not a backup made by `manage.py backup`."
        )
    if kind != vendor:
        raise CommandError(
            f"{source} is a {LABELS[kind]} backup, but the configured database is "
            f"{LABELS[vendor]}. Restore it into a deployment that uses {LABELS[kind]}."
        )
    return source


def restore(path: Path | str, *, using: str = DEFAULT_DB_ALIAS, log: Log) -> Outcome:
    source = check_restorable(path, using=using)
    connection = connections[using]
    vendor = database_vendor(connection)
    _refuse_inside_transaction(connection, "A restore")
    log(f"Restoring {source} into the {LABELS[vendor]} database {_database_label(connection)}…")
    if vendor == POSTGRESQL:
        _restore_postgresql(connection, source)
    else:
        _restore_sqlite(connection, source)
    counts = _live_counts(connection)
    log("Restored. Rows in the database now:")
    report_counts(counts, log)
    _report_migrations(connection, log)
    return Outcome(source, vendor, counts)


def _close_connections(connection: BaseDatabaseWrapper) -> None:
    connections.close_all()
    # psycopg's pool keeps idle connections open; pg_restore must not wait on any of them,
    # and the next query should start from a fresh connection to the restored tables.
    if close_pool := getattr(connection, "close_pool", None):
        close_pool()


def _restore_postgresql(connection: BaseDatabaseWrapper, source: Path) -> None:
    argv, env = pg_command(
        "pg_restore",
        connection.settings_dict,
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        dbname_option=True,
    )
    _close_connections(connection)
    run_pg([*argv, str(source)], env, connection.settings_dict, failed_note=" Nothing changed.")


def _restore_sqlite(connection: BaseDatabaseWrapper, source: Path) -> None:
    backup_file = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    try:
        try:
            result = backup_file.execute("PRAGMA quick_check").fetchone()[0]
            has_migrations = backup_file.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone()
        except sqlite3.DatabaseError as error:
            raise CommandError(f"{source} cannot be read as an SQLite database: {error}.") from None
        if result != "ok":
            raise CommandError(f"{source} is damaged (SQLite quick_check: {result}).")
        if not has_migrations:
            raise CommandError(f"{source} is an SQLite file, but not a backup of this site.")
        _close_connections(connection)
        connection.ensure_connection()
        # The live database is the destination: the backup API replaces its pages in one
        # transaction, so other processes see either the old or the restored contents.
        try:
            backup_file.backup(connection.connection)
        except sqlite3.Error as error:
            raise CommandError(
                f"The restore failed: {error}. The database was left as it was."
            ) from None
    finally:
        backup_file.close()
    connection.close()


def _report_migrations(connection: BaseDatabaseWrapper, log: Log) -> None:
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        log("The backup predates some migrations of this code: run `python manage.py migrate`.")


# --- pg_dump and pg_restore -----------------------------------------------------------------


def pg_command(
    program: str, settings_dict: dict, *options: str, dbname_option: bool = False
) -> tuple[list[str], dict[str, str]]:
    """The argv and environment to run a PostgreSQL client program against the database.

    The password goes into the environment (PGPASSWORD), never into argv, which any user on
    the host can read in the process list.
    """
    executable = shutil.which(program)
    if executable is None:
        raise CommandError(
            f"{program} was not found. Install the PostgreSQL client programs of the "
            "server's major version (e.g. apt-get install postgresql-client-16)."
        )
    argv = [executable, *options, "--no-password"]
    if settings_dict.get("HOST"):
        argv.append(f"--host={settings_dict['HOST']}")
    if settings_dict.get("PORT"):
        argv.append(f"--port={settings_dict['PORT']}")
    if settings_dict.get("USER"):
        argv.append(f"--username={settings_dict['USER']}")
    name = settings_dict.get("NAME")
    if name or dbname_option:
        argv.append(f"--dbname={name or 'postgres'}")
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    options_dict = settings_dict.get("OPTIONS") or {}
    for option, variable in _LIBPQ_OPTION_ENV.items():
        if options_dict.get(option):
            env[variable] = str(options_dict[option])
    return argv, env


def run_pg(argv: list[str], env: dict[str, str], settings_dict: dict, failed_note: str = ""):
    program = Path(argv[0]).name
    try:
        completed = subprocess.run(argv, env=env, capture_output=True, check=False)  # noqa: S603
    except OSError as error:
        raise CommandError(f"{program} could not be started: {error.strerror}.") from None
    if completed.returncode != 0:
        stderr = completed.stderr.decode("utf-8", "replace").strip()
        password = str(settings_dict.get("PASSWORD") or "")
        if password:
            stderr = stderr.replace(password, "********")
        raise CommandError(
            f"{program} failed (exit status {completed.returncode}).{failed_note}\n{stderr}"
        )


# --- Small helpers --------------------------------------------------------------------------


def _database_label(connection: BaseDatabaseWrapper) -> str:
    settings_dict = connection.settings_dict
    if connection.vendor == SQLITE:
        return str(settings_dict["NAME"])
    host = settings_dict.get("HOST") or "local socket"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"{settings_dict.get('NAME')} on {host}{port}"


def _size_label(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError  # unreachable


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_directory(path: Path) -> None:
    try:
        _fsync(path)
    except OSError:  # some filesystems do not fsync directories; the file itself is synced
        pass
