import io
import tempfile

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.services import get_visible_or_404
from common.htmx import fragment_or_page
from federation.scope import can_see_id_numbers, has_editing_role, organizations_changeable_by
from members.selectors import market_federations_changeable_by
from rosters import services
from rosters.forms import CommitForm, ExportForm, UploadForm, field_choices
from rosters.models import BatchStatus, ExportStatus, ImportBatch, RosterExport
from rosters.parsing import FIELD_LABELS, display_value
from rosters.tasks import roster_export_build, roster_preview

# Files up to this size are read while the user waits; larger ones in a Celery task.
INLINE_BYTES = 512 * 1024
# Rows of each outcome shown on the page (the counts and the downloads cover all of them).
SHOWN_ROWS = 200

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_editor(request: HttpRequest) -> None:
    if not has_editing_role(request.user):
        raise PermissionDenied


def _batch_or_404(request: HttpRequest, pk: int) -> ImportBatch:
    """A batch of a market the user may change (a chair: her own market's only)."""
    visible = ImportBatch.objects.filter(organization__in=organizations_changeable_by(request.user))
    return get_visible_or_404(request, visible, pk=pk)


@require_http_methods(["GET", "POST"])
def roster_import(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    markets = list(market_federations_changeable_by(request.user).order_by("name"))
    form = UploadForm(request.POST or None, request.FILES or None, markets=markets)
    if request.method == "POST" and form.is_valid():
        market = next(m for m in markets if m.pk == form.cleaned_data["market"])
        upload = form.cleaned_data["file"]
        batch = services.batch_create(
            organization=market, by=request.user, data=upload.read(), filename=upload.name
        )
        if upload.size <= INLINE_BYTES:
            services.batch_preview(batch=batch, by=request.user)
        else:
            roster_preview.delay_on_commit(batch.pk, request.user.pk)
        return redirect("roster_batch", pk=batch.pk)
    recent = ImportBatch.objects.filter(organization__in=markets).select_related(
        "organization", "created_by"
    )[:20]
    return render(
        request, "rosters/import.html", {"form": form, "recent": recent, "markets": markets}
    )


def _batch_context(request: HttpRequest, batch: ImportBatch) -> dict:
    context: dict = {"batch": batch, "field_labels": FIELD_LABELS}
    if batch.status == BatchStatus.PREVIEWED or batch.status == BatchStatus.COMMITTED:
        document = services.batch_rows(batch)
        grouped: dict[str, list] = {outcome: [] for outcome in services.OUTCOMES}
        for row in document["rows"]:
            if len(grouped[row["o"]]) < SHOWN_ROWS:
                if row["o"] == "changed":
                    row["shown"] = {
                        name: [display_value(name, old), display_value(name, new)]
                        for name, (old, new) in row["shown"].items()
                    }
                grouped[row["o"]].append(row)
        context.update(
            grouped=grouped,
            missing=document["missing"][:SHOWN_ROWS],
            columns=list(zip(batch.headers, batch.mapping, strict=False)),
            field_choices=field_choices(),
            shown_rows=SHOWN_ROWS,
        )
    return context


@require_GET
def roster_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_or_404(request, pk)
    return fragment_or_page(request, "rosters/batch.html", "status", _batch_context(request, batch))


@require_POST
def roster_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """The user corrected which column holds what: read the file again with her mapping."""
    batch = _batch_or_404(request, pk)
    mapping = request.POST.getlist("column")[: len(batch.headers)]
    try:
        services.batch_preview(batch=batch, by=request.user, mapping=mapping)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("roster_batch", pk=batch.pk)


@require_POST
def roster_commit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_or_404(request, pk)
    missing = services.batch_rows(batch)["missing"] if batch.preview_data else []
    form = CommitForm(request.POST, missing=missing)
    if not form.is_valid():
        messages.error(request, _("Only members missing from the sheet can be marked as left."))
        return redirect("roster_batch", pk=batch.pk)
    try:
        batch = services.batch_commit(
            batch=batch,
            by=request.user,
            mark_left=form.cleaned_data["mark_left"],
            request_transfers=form.cleaned_data["request_transfers"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The roster was imported."))
    return redirect("roster_batch", pk=batch.pk)


@require_POST
def roster_undo(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_or_404(request, pk)
    try:
        services.batch_undo(batch=batch, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The import was undone."))
    return redirect("roster_batch", pk=batch.pk)


@require_GET
def roster_invalid_rows(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_or_404(request, pk)
    buffer = io.BytesIO()
    services.invalid_rows_workbook(batch, buffer)
    return _attachment(buffer.getvalue(), f"roster-{batch.pk}-invalid.xlsx")


def _attachment(data: bytes, filename: str) -> HttpResponse:
    """A small workbook built in memory, as a download."""
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def roster_template(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    buffer = io.BytesIO()
    services.template_workbook(buffer)
    return _attachment(buffer.getvalue(), "roster-template.xlsx")


@require_POST
def roster_export(request: HttpRequest) -> HttpResponse:
    """The directory's current filter, or the ticked members, as .xlsx or .csv. Up to
    ROSTER_EXPORT_ASYNC_ROWS rows while she waits; more are written by a Celery task and
    fetched from the export's page."""
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The export could not be made."))
        return redirect("member_list")
    data = form.cleaned_data
    if data["id_numbers"] and not can_see_id_numbers(request.user):
        raise PermissionDenied
    selection = services.ExportSelection(
        query=data["query"], ids=data["ids"], everything=data["everything"]
    )
    members, description = services.export_selection(user=request.user, selection=selection)
    file_format = data["file_format"]
    total = members.count()
    if total > settings.ROSTER_EXPORT_ASYNC_ROWS:
        export = services.roster_export_request(
            user=request.user,
            selection=selection,
            file_format=file_format,
            id_numbers_asked=data["id_numbers"],
            total=total,
        )
        roster_export_build.delay_on_commit(export.pk)
        return redirect("roster_export_status", pk=export.pk)
    spool = tempfile.TemporaryFile()
    services.roster_export(
        user=request.user,
        members=members,
        file_format=file_format,
        id_numbers_asked=data["id_numbers"],
        target=spool,
        description=description,
        request=request,
    )
    spool.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"members-{stamp}.{file_format}",
        content_type=_content_type(file_format),
    )


def _content_type(file_format: str) -> str:
    return XLSX if file_format == "xlsx" else "text/csv; charset=utf-8"


def _own_export_or_404(request: HttpRequest, pk: int) -> RosterExport:
    """An export the user asked for herself: nobody else's, not even staff's (the file
    holds what her role showed her)."""
    return get_visible_or_404(
        request, RosterExport.objects.filter(requested_by=request.user), pk=pk
    )


@require_GET
def roster_export_status(request: HttpRequest, pk: int) -> HttpResponse:
    export = _own_export_or_404(request, pk)
    context = {
        "export": export,
        "polling": export.status in (ExportStatus.WAITING, ExportStatus.BUILDING),
    }
    return fragment_or_page(request, "rosters/export.html", "status", context)


@require_GET
def roster_export_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = _own_export_or_404(request, pk)
    try:
        handle = services.roster_export_download(export=export, by=request.user, request=request)
    except (ValidationError, FileNotFoundError):
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=export.filename,
        content_type=_content_type(export.file_format),
    )
