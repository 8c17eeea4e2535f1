"""manage.py backup [--output PATH]: a consistent copy of the database, mode 0600."""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from operations import backups


class Command(BaseCommand):
    help = (
        "Write a consistent, restorable backup of the database: a pg_dump custom-format "
        "archive for PostgreSQL, a copy made with SQLite's backup API for SQLite. The file "
        "holds personal data and is written with mode 0600."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            metavar="PATH",
            help="Where to write the backup (default: backups/lusong-<YYYYmmdd-HHMMSS>.dump "
            "or .sqlite3 in the project directory).",
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database to back up (default: %(default)s).",
        )

    def handle(self, *args, output=None, database=DEFAULT_DB_ALIAS, **options):
        backups.backup(output, using=database, log=self.stdout.write)
