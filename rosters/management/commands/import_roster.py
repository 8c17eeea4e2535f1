"""python manage.py import_roster FILE --market 邵兴城市场 [--dry-run] [--yes] [--json]"""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q

from federation.models import Organization, OrganizationKind
from rosters import services
from rosters.models import BatchStatus


class Command(BaseCommand):
    help = "Import a market's roster (.xlsx or .csv): print the diff, then apply it if asked."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--market", required=True, help="the market's name, e.g. 邵兴城市场")
        parser.add_argument("--user", default="", help="the login the import is recorded as")
        parser.add_argument("--dry-run", action="store_true", help="show the diff, change nothing")
        parser.add_argument("--yes", action="store_true", help="apply without asking")
        parser.add_argument("--json", action="store_true", help="print the diff as JSON")

    def handle(self, *args, **options):
        market = (
            Organization.objects.filter(kind=OrganizationKind.MARKET_FEDERATION)
            .filter(Q(name=options["market"]) | Q(market__name=options["market"]))
            .first()
        )
        if market is None:
            raise CommandError(f"No market named {options['market']!r}.")
        users = get_user_model().objects.filter(is_active=True)
        user = (
            users.filter(username=options["user"]).first()
            if options["user"]
            else users.filter(is_superuser=True).order_by("pk").first()
        )
        if user is None:
            raise CommandError("No such active login (--user), and no superuser to act as.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        batch = services.batch_create(
            organization=market, by=user, data=path.read_bytes(), filename=path.name
        )
        batch = services.batch_preview(batch=batch, by=user)
        if batch.status == BatchStatus.FAILED:
            raise CommandError(batch.error)
        document = services.batch_rows(batch)
        if options["json"]:
            document = _as_json(batch, document)
            self.stdout.write(
                json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)
            )
        else:
            summary = batch.summary
            self.stdout.write(
                f"{market.name}: {summary['rows']} rows — new {summary['new']}, changed "
                f"{summary['changed']}, unchanged {summary['unchanged']}, transfer "
                f"{summary['transfer']}, duplicate in file {summary['duplicate']}, invalid "
                f"{summary['invalid']}; members missing from the sheet {summary['missing']}"
            )
            for row in document["rows"]:
                if row["o"] == "invalid":
                    messages = "; ".join(f"{k}: {v}" for k, v in row["e"].items())
                    self.stdout.write(f"  row {row['n']}: {messages}")
        if options["dry_run"]:
            return
        if not options["yes"]:
            answer = input("Apply these changes? [y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                self.stdout.write("Nothing changed.")
                return
        try:
            batch = services.batch_commit(batch=batch, by=user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if not options["json"]:
            self.stdout.write(f"Imported (batch {batch.pk}): {batch.summary['applied']}")


def _as_json(batch, document) -> dict:
    rows = []
    for row in document["rows"]:
        entry = {"row": row["n"], "outcome": row["o"]}
        if row["o"] == "invalid":
            entry["messages"] = row["e"]
        elif row["o"] == "changed":
            entry["member"] = row["m"]
            entry["changes"] = row["shown"]
        elif row["o"] == "unchanged":
            entry["member"] = row["m"]
        elif row["o"] == "duplicate":
            entry["duplicate_of_row"] = row["first"]
            entry["values"] = row["v"]
        elif row["o"] == "transfer":
            entry["market"] = row["market"]
            entry["values"] = row["v"]
        else:
            entry["values"] = services.shown_values(row["v"])
        rows.append(entry)
    missing = [{"member": m["m"], "name": m["name"]} for m in document["missing"]]
    return {"batch": batch.pk, "summary": batch.summary, "rows": rows, "missing": missing}
