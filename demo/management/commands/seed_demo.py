"""Build the demo district 芦淞 from the news article, with demo logins for every role.

    manage.py seed_demo [--members N] [--seed S] [--batch-size B]
        [--write-demo-data-with-debug-off]

Safe to run again: ``demo.load`` adds only what is missing, found by the keys it gave what
it created, and never changes a login it did not create, nor a password, an active flag or a
superuser flag once set. With DEBUG off it refuses to run, since that is what a production
database looks like, unless told in so many words that this is a database for demo data.
"""

import time
import unicodedata
from collections.abc import Iterable

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import plan
from demo.load import DEMO_PASSWORD, DemoConflict, DemoReport, LoginState, demo_load

NOTES = {
    LoginState.CREATED: "new",
    LoginState.KEPT: "",
    LoginState.DEACTIVATED: "deactivated: left so",
    LoginState.SKIPPED: "not created by seed_demo: left alone",
}


class Command(BaseCommand):
    help = "Build the 芦淞 demo district: organizations, markets, shops, members and demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--members", type=int, default=2000, help="number of members (default 2000)"
        )
        parser.add_argument(
            "--seed", type=int, default=2019, help="random seed of the members (default 2019)"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=5000,
            help="members per transaction (default 5000)",
        )
        parser.add_argument(
            "--write-demo-data-with-debug-off",
            action="store_true",
            help=(
                "write made-up members and demo logins although DEBUG is off; only for a "
                "database that holds demo data (a benchmark, a test instance), never production"
            ),
        )

    def handle(
        self,
        *args,
        members: int,
        seed: int,
        batch_size: int,
        write_demo_data_with_debug_off: bool,
        **options,
    ):
        if not settings.DEBUG and not write_demo_data_with_debug_off:
            raise CommandError(
                "DEBUG is off, so this looks like a production database. seed_demo writes "
                "made-up members and logins with a published password, and has written "
                "nothing. For a database that only holds demo data, run it with DEBUG=1 or "
                "with --write-demo-data-with-debug-off."
            )
        if members < plan.STORY_COUNT:
            raise CommandError(
                f"--members must be at least {plan.STORY_COUNT}: 文再云, 刘意 and 赵丹 are members."
            )
        if batch_size < 1:
            raise CommandError("--batch-size must be positive.")
        started = time.monotonic()
        try:
            report = demo_load(
                members=members, seed=seed, batch_size=batch_size, progress=self.stdout.write
            )
        except DemoConflict as error:
            raise CommandError(str(error)) from error
        self._report(report, started)

    def _report(self, report: DemoReport, started: float) -> None:
        added = ", ".join(f"{what} +{n}" for what, n in report.added.items() if n) or "nothing"
        self.stdout.write(f"added: {added}")
        if report.skipped:
            skipped = ", ".join(f"{what} {n}" for what, n in report.skipped.items())
            self.stdout.write(self.style.WARNING(f"skipped: {skipped}"))
        self.stdout.write(
            "district: "
            + ", ".join(f"{kind} {n}" for kind, n in report.organizations_by_kind.items())
        )
        self.stdout.write(
            f"members: {report.current_members} current, {report.left_members} left; "
            f"shops {report.shops}; offices {report.offices}; honors {report.honors}"
        )
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD}, demo only)")
        )
        header = ("username", "role", "organization", "password", "note")
        table = [header] + [
            (
                row.username,
                row.role,
                row.organization,
                "—" if row.state == LoginState.SKIPPED else DEMO_PASSWORD,
                NOTES[row.state],
            )
            for row in report.logins
        ]
        for line in _table(table):
            self.stdout.write(line)
        self.stdout.write(
            "A re-run sets no password and activates no login: a demo login whose password\n"
            "was changed keeps it. A login seed_demo did not create is never touched."
        )
        self.stdout.write(f"done in {time.monotonic() - started:.1f}s")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(rows: Iterable[tuple[str, ...]]) -> list[str]:
    rows = list(rows)
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths).rstrip())
    return lines
