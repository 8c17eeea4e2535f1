"""Writes of the yearly statistics: workbook exports, the chairs' confirmations, the freeze."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import access_record
from federation import scope
from federation.models import Organization, OrganizationKind
from reports.models import ExportStatus, FrozenReport, WorkbookExport, YearConfirmation
from reports.sections import Section, as_of, report
from reports.workbook import build_workbook

FIRST_YEAR = 2000


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= timezone.localdate().year:
        raise ValidationError(
            _("Choose a year between %(first)s and this year.") % {"first": FIRST_YEAR}
        )


def frozen_sections(organization: Organization, year: int) -> list[Section] | None:
    frozen = FrozenReport.objects.filter(organization=organization, year=year).first()
    if frozen is None:
        return None
    return [Section.from_data(data) for data in frozen.sections]


def workbook_export_request(
    *, organization: Organization, year: int, by: AbstractBaseUser, request=None
) -> WorkbookExport:
    """Ask for the annual workbook (the caller enqueues reports.tasks.workbook_export_build
    with its id). Recorded as an export: who, when, which organization and year."""
    scope.require(scope.may_read_members_of(by, organization))
    _check_year(year)
    with transaction.atomic():
        export = WorkbookExport.objects.create(
            organization=organization, year=year, requested_by=by
        )
        access_record(
            kind="export",
            request=request,
            user=by,
            target=organization,
            detail={"what": "annual_workbook", "year": year, "export": export.pk},
        )
    return export


def workbook_export_build(*, export_id: int) -> WorkbookExport:
    """Build the workbook of an export (the task's body). Idempotent: a finished export is
    left as it is; a redelivered one is built again from the start."""
    with transaction.atomic():
        export = (
            WorkbookExport.objects.select_for_update()
            .select_related("organization")
            .get(pk=export_id)
        )
        if export.status == ExportStatus.DONE:
            return export
        export.status, export.progress, export.error = ExportStatus.BUILDING, 0, ""
        export.save(update_fields=["status", "progress", "error"])

    last = [0]

    def progress(percent: int) -> None:
        # Every few percent, in its own short write, so the page's progress bar moves.
        if percent - last[0] >= 5 or percent == 100:
            last[0] = percent
            WorkbookExport.objects.filter(pk=export.pk).update(progress=min(percent, 99))

    try:
        data = build_workbook(
            export.organization,
            export.year,
            sections=frozen_sections(export.organization, export.year),
            progress=progress,
        )
    except Exception:
        WorkbookExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, error=_("The workbook could not be built; ask again.")
        )
        raise
    export.file.save(f"stats-{export.pk}-{export.year}.xlsx", ContentFile(data), save=False)
    export.status, export.progress = ExportStatus.DONE, 100
    export.finished_at = timezone.now()
    export.save(update_fields=["file", "status", "progress", "finished_at"])
    return export


def workbook_export_download(
    *, export: WorkbookExport, by: AbstractBaseUser, request=None
) -> bytes:
    scope.require(scope.may_read_members_of(by, export.organization))
    if export.status != ExportStatus.DONE or not export.file:
        raise ValidationError(_("This workbook is not ready."))
    access_record(
        kind="export",
        request=request,
        user=by,
        target=export.organization,
        detail={"what": "annual_workbook_download", "year": export.year, "export": export.pk},
    )
    with export.file.open("rb") as handle:
        return handle.read()


def year_confirm(
    *, organization: Organization, year: int, by: AbstractBaseUser
) -> YearConfirmation:
    """A market chair confirms her market's figures for the year (as they are now)."""
    scope.require(scope.may_change_members_of(by, organization))
    _check_year(year)
    if organization.kind != OrganizationKind.MARKET_FEDERATION:
        raise ValidationError(_("Only a market's figures are confirmed by its chair."))
    if any(
        FrozenReport.objects.filter(organization_id=pk, year=year).exists()
        for pk in _ancestor_ids(organization)
    ):
        raise ValidationError(_("The year's report is already frozen."))
    existing = YearConfirmation.objects.filter(organization=organization, year=year).first()
    if existing is not None:
        return existing
    figures = [section.as_data() for section in report(organization, year)]
    try:
        with transaction.atomic():
            return YearConfirmation.objects.create(
                organization=organization, year=year, confirmed_by=by, figures=figures
            )
    except IntegrityError:  # confirmed at the same moment from another window
        return YearConfirmation.objects.get(organization=organization, year=year)


def _ancestor_ids(organization: Organization) -> list[int]:
    return [organization.pk, *(int(p) for p in organization.path.strip("/").split("/") if p)]


def report_freeze(*, organization: Organization, year: int, by: AbstractBaseUser) -> FrozenReport:
    """Staff freeze the year's report: its figures are stored and no longer follow the data."""
    scope.require(scope.may_administer(by, organization))
    _check_year(year)
    if FrozenReport.objects.filter(organization=organization, year=year).exists():
        raise ValidationError(_("The year's report is already frozen."))
    sections = [section.as_data() for section in report(organization, year)]
    try:
        with transaction.atomic():
            frozen = FrozenReport.objects.create(
                organization=organization,
                year=year,
                frozen_by=by,
                as_of=as_of(year),
                sections=sections,
            )
    except IntegrityError:
        raise ValidationError(_("The year's report is already frozen.")) from None
    return frozen
