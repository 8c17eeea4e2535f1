"""manage.py restore PATH --yes: replace the database's contents with a backup."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from operations import backups


class Command(BaseCommand):
    help = (
        "Replace the entire contents of the database with a backup made by `manage.py "
        "backup` (pg_restore for PostgreSQL, SQLite's backup API for SQLite)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH", help="The backup file.")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Confirm that the current contents of the database are to be replaced.",
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database to restore into (default: %(default)s).",
        )

    def handle(self, *args, path, yes=False, database=DEFAULT_DB_ALIAS, **options):
        source = backups.check_restorable(path, using=database)
        if not yes:
            raise CommandError(
                f"Restoring {source} replaces the entire current contents of the database "
                "with the backup; everything written since the backup was made is lost. "
                "Run again with --yes to go ahead."
            )
        backups.restore(source, using=database, log=self.stdout.write)
