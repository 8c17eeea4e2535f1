from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.services import access_record
from common.parsing import parse_id
from federation.models import Organization, OrganizationKind
from reports.services import FIRST_YEAR, frozen_sections
from reports.workbook import build_workbook


class Command(BaseCommand):
    help = "Write the annual statistics workbook (.xlsx) of an organization for a year."

    def add_arguments(self, parser):
        parser.add_argument("output", help="the .xlsx file to write")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument(
            "--org",
            default="",
            help="the organization's id or exact name (default: the district federation)",
        )

    def handle(self, *args, output: str, year: int, org: str, **options):
        if not FIRST_YEAR <= year <= timezone.localdate().year:
            raise CommandError(f"--year must be between {FIRST_YEAR} and this year.")
        organization = self._organization(org)
        path = Path(output)
        if path.suffix.lower() != ".xlsx":
            raise CommandError("The output file must end in .xlsx.")
        data = build_workbook(organization, year, sections=frozen_sections(organization, year))
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)  # never a half-written file under the final name
        access_record(
            kind="export",
            username="manage.py export_stats",
            target=organization,
            detail={"what": "annual_workbook", "year": year, "file": path.name},
        )
        self.stdout.write(f"{path} ({len(data):,} bytes): {organization.name}, {year}")

    def _organization(self, org: str) -> Organization:
        if not org:
            found = Organization.objects.filter(kind=OrganizationKind.DISTRICT_FEDERATION).first()
        elif (pk := parse_id(org)) is not None:
            found = Organization.objects.filter(pk=pk).first()
        else:
            found = Organization.objects.filter(name=org).first()
        if found is None:
            raise CommandError(f"No organization {org!r}.")
        return found
