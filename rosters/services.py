"""Roster imports: read a file, build the reviewed diff against the market's roster, apply it
(through members.services, all or nothing) and undo it."""

import datetime
import gc
import json
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AccessKind, ChangeRecord
from audit.services import access_record
from federation import choices, scope
from federation.models import Organization
from members import crypto
from members.choices import tag_choices
from members.forms import DirectoryForm
from members.models import (
    Education,
    Occupation,
    PoliticalStatus,
    Sex,
    mask_id_number,
    mask_mobile,
)
from members.selectors import (
    creatable_member_fields,
    current_members_elsewhere,
    editable_member_fields,
    market_roster,
    masked_id_numbers,
    members_from_selection,
)
from members.services import RosterChanges, members_import_roster, members_undo_roster
from rosters.exporting import export_members, export_policy
from rosters.models import BatchStatus, ColumnMapping, ImportBatch, RosterExport
from rosters.models import ExportStatus as RosterExportStatus
from rosters.parsing import (
    FIELD_LABELS,
    FIELDS,
    _header_key,
    detect_mapping,
    find_header,
    parse_row,
)
from rosters.reading import RosterFileError, read_sheet

NEW, CHANGED, UNCHANGED, TRANSFER, DUPLICATE, INVALID = (
    "new",
    "changed",
    "unchanged",
    "transfer",
    "duplicate",
    "invalid",
)
OUTCOMES = (NEW, CHANGED, UNCHANGED, TRANSFER, DUPLICATE, INVALID)


@contextmanager
def _bulk_work():
    """A roster of 100,000 rows builds a million small objects, none of them cyclic garbage;
    the collector scanning them again and again while they are built made the work grow
    faster than the rows. It runs once at the end instead."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _seal(document: Any) -> bytes:
    """The document as compressed, encrypted JSON. A document with "rows" (a preview) is
    written as JSON lines, its other keys on the first line and then one row a line, encoded
    and compressed a piece at a time: neither its whole JSON text (~40 MB as a str for
    100,000 rows) nor, in _unseal, the whole decompressed text is ever held at once."""
    encode = DjangoJSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    compressor = zlib.compressobj(1)
    compressed: list[bytes] = []
    if isinstance(document, dict) and isinstance(document.get("rows"), list):
        head = {k: v for k, v in document.items() if k != "rows"}
        lines, rows = [encode({_FORMAT: 2, **head})], document["rows"]
        for start in range(0, len(rows), 2000):
            lines.extend(encode(row) for row in rows[start : start + 2000])
            compressed.append(compressor.compress(("\n".join(lines) + "\n").encode()))
            lines = []
        if lines:
            compressed.append(compressor.compress(("\n".join(lines) + "\n").encode()))
    else:
        compressed.append(compressor.compress(encode(document).encode()))
    compressed.append(compressor.flush())
    return crypto.encrypt_bytes(b"".join(compressed))


_FORMAT = "_format"


def _unsealed(token: bytes) -> Iterator[Any]:
    """What _seal wrote, a piece at a time: a document sealed in one piece, or a preview's
    first line (its keys but "rows") followed by its rows one by one."""
    data = crypto.decrypt_bytes(token)
    decompressor = zlib.decompressobj()
    # JSON text never holds a raw newline (json escapes it in strings): a line is one JSON
    # value. A document sealed in one piece (an undo record, a preview stored before JSON
    # lines) is a single line.
    head_seen = False
    pending = b""
    for start in range(0, len(data), 1 << 20):
        pending += decompressor.decompress(data[start : start + (1 << 20)])
        *lines, pending = pending.split(b"\n")
        if lines and not head_seen:
            head_seen = True
            yield json.loads(lines.pop(0))
        if lines:
            # Many rows per json.loads: it shares the keys' strings within one call.
            yield from json.loads(b"[" + b",".join(lines) + b"]")
    pending += decompressor.flush()
    if not head_seen:
        yield json.loads(pending)


def _unseal(token: bytes) -> Any:
    if not token:
        return None
    pieces = _unsealed(token)
    document = next(pieces)
    if isinstance(document, dict) and document.pop(_FORMAT, None) == 2:
        document["rows"] = list(pieces)
    return document


def _cell_text(value) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


@dataclass
class Preview:
    rows: list[dict]
    missing: list[dict]
    summary: dict[str, int]
    header_row: int
    headers: list
    mapping: list[str]
    notes: list[str] = field(default_factory=list)


def remembered_mapping(organization: Organization, headers: list) -> list[str]:
    """The mapping this market confirmed last time for headers it used then; detection for
    the rest."""
    detected = detect_mapping(headers)
    saved = ColumnMapping.objects.filter(organization=organization).first()
    if saved is None:
        return detected
    mapping = []
    for header, guess in zip(headers, detected, strict=True):
        key = _header_key(header)
        mapping.append(saved.columns.get(key, guess) if key else guess)
    return mapping


def clean_mapping(mapping: list[str], width: int) -> list[str]:
    """A mapping as a form sends it: unknown fields dropped, each field used once."""
    cleaned, seen = [], set()
    for name in (list(mapping) + [""] * width)[:width]:
        name = name if name in FIELDS and name not in seen else ""
        seen.add(name)
        cleaned.append(name)
    return cleaned


def build_preview(
    *,
    organization: Organization,
    by: AbstractBaseUser,
    data: bytes,
    filename: str,
    mapping: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Preview:
    """The diff of a roster file against the market's current roster."""
    sheet = read_sheet(data, filename)
    header_index = find_header(sheet.rows)
    header_number, headers = sheet.rows[header_index]
    body = sheet.rows
    del sheet  # body is its list of rows: each row's raw cells are let go once parsed
    del body[: header_index + 1]
    width = max([len(headers), *(len(cells) for _n, cells in body[:1000])])
    headers = list(headers) + [None] * (width - len(headers))
    headers = [_cell_text(h) if h is not None else "" for h in headers]
    if mapping is None:
        mapping = remembered_mapping(organization, headers)
    mapping = clean_mapping(mapping, width)
    notes = []
    if "name" not in mapping or "mobile" not in mapping:
        notes.append(_("Choose which columns hold the name and the mobile number."))
    creatable = set(creatable_member_fields(by))
    editable = set(editable_member_fields(by))
    if "id_number" in mapping and "id_number" not in creatable:
        notes.append(
            _(
                "Your role does not keep ID numbers: they are used only to find members and "
                "derive birth date and sex, and are not stored."
            )
        )

    roster = market_roster(organization)
    by_digest = {m["id_number_digest"]: m for m in roster if m["id_number_digest"]}
    by_mobile = {m["mobile"]: m for m in roster}
    by_name_birth = {(m["name"], m["birth_date"]): m for m in roster if m["birth_date"]}

    parsed = []
    total = len(body)
    for index in range(total):
        number, cells = body[index]
        # The raw cells are let go as each row is parsed, so that a large sheet is not held
        # twice (as read and as parsed) at once.
        body[index] = None
        row = parse_row(number, cells, mapping)
        if not row.errors:
            row.original = []  # only invalid rows go back to the user as they were
        parsed.append(row)
        if progress and index % 5000 == 0:
            progress(index, total)
    del body
    digests = {}
    for row in parsed:
        if row.values.get("id_number"):
            digests[row.number] = crypto.full_digest(row.values["id_number"])

    # Whom the unmatched rows would collide with elsewhere (one query per 10,000 values).
    unmatched_mobiles, unmatched_digests = [], []
    for row in parsed:
        digest = digests.get(row.number)
        mobile = row.values.get("mobile")
        if digest and digest not in by_digest:
            unmatched_digests.append(digest)
        if mobile and mobile not in by_mobile:
            unmatched_mobiles.append(mobile)
    elsewhere = current_members_elsewhere(
        organization=organization, mobiles=unmatched_mobiles, digests=unmatched_digests
    )
    elsewhere_by_mobile = {m["mobile"]: m for m in elsewhere}
    elsewhere_by_digest = {m["id_number_digest"]: m for m in elsewhere if m["id_number_digest"]}

    rows: list[dict] = []
    seen_mobile: dict[str, int] = {}
    seen_digest: dict[str, int] = {}
    matched: dict[int, int] = {}
    replaced_id_numbers: dict[int, list] = {}  # member -> the [old, new] pair shown
    summary = dict.fromkeys(OUTCOMES, 0)
    for index in range(len(parsed)):
        row, parsed[index] = parsed[index], None  # let each parsed row go once in the diff
        digest = digests.get(row.number, "")
        mobile = row.values.get("mobile", "")
        entry: dict[str, Any] = {"n": row.number}
        if row.errors:
            entry.update(o=INVALID, e=row.errors, orig=[_cell_text(c) for c in row.original])
            rows.append(entry)
            summary[INVALID] += 1
            continue
        first = seen_digest.get(digest) if digest else None
        first = first or seen_mobile.get(mobile)
        if first:
            entry.update(o=DUPLICATE, first=first, v=shown_values(row.values))
            rows.append(entry)
            summary[DUPLICATE] += 1
            continue
        if digest:
            seen_digest[digest] = row.number
        seen_mobile[mobile] = row.number
        member = (
            (by_digest.get(digest) if digest else None)
            or by_mobile.get(mobile)
            or by_name_birth.get((row.values["name"], row.values.get("birth_date")))
        )
        if member is not None and member["pk"] in matched:
            entry.update(o=DUPLICATE, first=matched[member["pk"]], v=shown_values(row.values))
            rows.append(entry)
            summary[DUPLICATE] += 1
            continue
        if member is not None:
            matched[member["pk"]] = row.number
            holder = by_mobile.get(mobile)
            other = elsewhere_by_mobile.get(mobile) or (
                holder if holder is not None and holder["pk"] != member["pk"] else None
            )
            if other is not None:
                entry.update(
                    o=INVALID,
                    e={"mobile": _("This mobile number belongs to another current member.")},
                    orig=[_cell_text(c) for c in row.original],
                )
                rows.append(entry)
                summary[INVALID] += 1
                continue
            changes = {}
            for name, value in row.values.items():
                if name not in editable:
                    continue
                if name == "id_number":
                    if member["id_number_digest"] != digest:
                        # The one she has now is masked below (one query for all rows).
                        changes[name] = ("", mask_id_number(value), value)
                    continue
                old = member.get(name)
                if old != value and not (old in (None, "") and value in (None, "")):
                    changes[name] = (old, value, value)
            entry.update(m=member["pk"], ver=member["version"], name=member["name"])
            if changes:
                entry.update(
                    o=CHANGED,
                    c={k: v[2] for k, v in changes.items()},
                    shown={k: [v[0], v[1]] for k, v in changes.items()},
                )
                if "id_number" in changes and member["id_number_digest"]:
                    replaced_id_numbers[member["pk"]] = entry["shown"]["id_number"]
                summary[CHANGED] += 1
            else:
                entry.update(o=UNCHANGED)
                summary[UNCHANGED] += 1
            rows.append(entry)
            continue
        other = (elsewhere_by_digest.get(digest) if digest else None) or elsewhere_by_mobile.get(
            mobile
        )
        if other is not None:
            # Only where she is now: her record there is outside this user's scope.
            entry.update(
                o=TRANSFER,
                other=other["pk"],
                market=other["market_name"] or "",
                v=shown_values(row.values),
            )
            rows.append(entry)
            summary[TRANSFER] += 1
            continue
        values = row.values
        if not values.keys() <= creatable:
            values = {k: v for k, v in values.items() if k in creatable}
        entry.update(o=NEW, v=values)
        rows.append(entry)
        summary[NEW] += 1
    for pk, masked in masked_id_numbers(list(replaced_id_numbers)).items():
        replaced_id_numbers[pk][0] = masked
    missing = [
        {"m": m["pk"], "ver": m["version"], "name": m["name"], "mobile": mask_mobile(m["mobile"])}
        for m in roster
        if m["pk"] not in matched
    ]
    summary["missing"] = len(missing)
    summary["rows"] = len(rows)
    if progress:
        progress(total, total)
    return Preview(
        rows=rows,
        missing=missing,
        summary=summary,
        header_row=header_number,
        headers=headers,
        mapping=mapping,
        notes=notes,
    )


def shown_values(values: dict) -> dict:
    """A row's values as the preview and `import_roster --json` show them: the ID number
    masked by the product's one rule (members.models.mask_id_number)."""
    shown = {k: v for k, v in values.items() if v is not None}
    if shown.get("id_number"):
        shown["id_number"] = mask_id_number(shown["id_number"])
    return shown


# --- Batches ---------------------------------------------------------------------------


def batch_create(
    *, organization: Organization, by: AbstractBaseUser, data: bytes, filename: str
) -> ImportBatch:
    """Keep the uploaded file (encrypted) for a preview to be built from it."""
    scope.require(scope.may_change_members_of(by, organization))
    return ImportBatch.objects.create(
        organization=organization,
        created_by=by,
        file_name=filename[:200],
        file_data=crypto.encrypt_bytes(data),
    )


def batch_preview(
    *, batch: ImportBatch, by: AbstractBaseUser, mapping: list[str] | None = None
) -> ImportBatch:
    """Read the batch's file and store its diff (run by the view for small files, by a
    Celery task for large ones)."""
    scope.require(scope.may_change_members_of(by, batch.organization))
    if batch.status not in (BatchStatus.READING, BatchStatus.PREVIEWED, BatchStatus.FAILED):
        raise ValidationError(_("This import was already applied."))

    def progress(done: int, total: int) -> None:
        ImportBatch.objects.filter(pk=batch.pk).update(progress=done, total=total)

    try:
        with _bulk_work():
            preview = build_preview(
                organization=batch.organization,
                by=by,
                data=crypto.decrypt_bytes(batch.file_data),
                filename=batch.file_name,
                mapping=mapping,
                progress=progress,
            )
    except RosterFileError as error:
        batch.status = BatchStatus.FAILED
        batch.error = str(error)[:300]
        batch.save(update_fields=["status", "error"])
        return batch
    batch.status = BatchStatus.PREVIEWED
    batch.error = ""
    batch.headers = preview.headers
    batch.mapping = preview.mapping
    batch.summary = {**preview.summary, "header_row": preview.header_row, "notes": preview.notes}
    batch.preview_data = _seal({"rows": preview.rows, "missing": preview.missing})
    batch.total = batch.progress = len(preview.rows)
    del preview  # its rows are sealed: not held while the batch is saved
    batch.save(
        update_fields=[
            "status",
            "error",
            "headers",
            "mapping",
            "summary",
            "preview_data",
            "total",
            "progress",
        ]
    )
    return batch


def batch_rows(batch: ImportBatch) -> dict:
    return _unseal(batch.preview_data) or {"rows": [], "missing": []}


@transaction.atomic
def batch_commit(
    *,
    batch: ImportBatch,
    by: AbstractBaseUser,
    mark_left: list[int] | None = None,
    request_transfers: bool = False,
) -> ImportBatch:
    """Apply the reviewed diff: all of it or nothing."""
    scope.require(scope.may_change_members_of(by, batch.organization))
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != BatchStatus.PREVIEWED:
        raise ValidationError(_("This import was already applied or cannot be applied."))
    # The rows one by one as they are unsealed: 100,000 of them are never all held as the
    # preview's entries, only as the changes they make. The new members are not held at all:
    # a second pass over the preview streams them into the insert (holding their 100,000
    # dicts took ~75 MB, most of the commit's peak), after this one has collected the
    # corrections and the members to mark as left, which are locked and checked first.
    head, pieces = _preview_rows(batch)
    missing = {m["m"]: m["ver"] for m in head["missing"]}
    chosen = set(mark_left or ())
    if not chosen <= set(missing):
        raise ValidationError(_("Only members missing from the sheet can be marked as left."))
    changes = RosterChanges(
        leave=[(pk, missing[pk]) for pk in sorted(chosen)],
    )
    del head, missing
    for row in pieces:
        if row["o"] == CHANGED:
            changes.updates.append((row["m"], row["ver"], _typed(row["c"])))
        elif row["o"] == TRANSFER and request_transfers:
            changes.transfers.append(row["other"])
    changes.new = (_typed(row["v"]) for row in _preview_rows(batch)[1] if row["o"] == NEW)
    today = timezone.localdate()
    with _bulk_work():
        undo = members_import_roster(
            organization=batch.organization,
            changes=changes,
            joined_on=today,
            left_on=today,
            by=by,
            batch=batch.pk,
        )
    del changes
    batch.status = BatchStatus.COMMITTED
    # The uploaded file is no longer needed (the preview keeps what the pages show): keep no
    # more personal data than the import needs.
    batch.file_data = b""
    batch.committed_at = timezone.now()
    batch.committed_by = by
    batch.undo_data = _seal(undo)
    batch.last_change_record_id = ChangeRecord.objects.aggregate(last=Max("pk"))["last"]
    batch.summary = {
        **batch.summary,
        "applied": {
            "created": len(undo["created"]),
            "updated": len(undo["previous"]),
            "left": len(undo["left"]),
            "transfers": len(undo["transfers"]),
        },
    }
    batch.save(
        update_fields=[
            "status",
            "file_data",
            "committed_at",
            "committed_by",
            "undo_data",
            "last_change_record_id",
            "summary",
        ]
    )
    ColumnMapping.objects.update_or_create(
        organization=batch.organization,
        defaults={
            "columns": {
                _header_key(h): f for h, f in zip(batch.headers, batch.mapping, strict=False) if h
            }
        },
    )
    return batch


def _preview_rows(batch: ImportBatch) -> tuple[dict, Iterator[dict]]:
    """The stored preview's keys but "rows", and its rows one by one."""
    pieces = _unsealed(batch.preview_data) if batch.preview_data else iter([{"missing": []}])
    head = next(pieces)
    if head.pop(_FORMAT, None) != 2:  # a preview sealed in one piece
        pieces = iter(head.pop("rows", []))
    return head, pieces


def _typed(values: dict) -> dict:
    """The row's values with dates as dates (in place: 100,000 rows need no second copy)."""
    typed = values
    for name in ("birth_date", "joined_on"):
        if isinstance(typed.get(name), str):
            typed[name] = datetime.date.fromisoformat(typed[name])
    return typed


@transaction.atomic
def batch_undo(*, batch: ImportBatch, by: AbstractBaseUser) -> ImportBatch:
    scope.require(scope.may_change_members_of(by, batch.organization))
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != BatchStatus.COMMITTED:
        raise ValidationError(_("Only an applied import can be undone."))
    members_undo_roster(
        organization=batch.organization,
        undo=_unseal(batch.undo_data),
        since_record_id=batch.last_change_record_id or 0,
        by=by,
        batch=batch.pk,
    )
    batch.status = BatchStatus.UNDONE
    batch.undone_at = timezone.now()
    batch.save(update_fields=["status", "undone_at"])
    return batch


# --- Export ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportSelection:
    """What the user selected on the directory, as the export form carries it."""

    query: str = ""
    ids: list[int] = field(default_factory=list)
    everything: bool = False

    def as_data(self) -> dict:
        return {"query": self.query, "ids": list(self.ids), "everything": self.everything}

    @classmethod
    def from_data(cls, data: dict) -> "ExportSelection":
        return cls(
            query=str(data.get("query", "")),
            ids=[int(pk) for pk in data.get("ids", [])],
            everything=bool(data.get("everything")),
        )


def export_selection(*, user: AbstractBaseUser, selection: ExportSelection) -> tuple[Any, dict]:
    """The members the selection names, within the user's scope now, and its description
    for the record (the filter's fields, how many were ticked)."""
    directory = DirectoryForm(
        QueryDict(selection.query),
        organizations=choices.visible_organization_choices(user),
        tags=tag_choices(),
    )
    everything = selection.everything or not selection.ids
    members = members_from_selection(
        user=user, ids=selection.ids, everything=everything, query=directory.query()
    )
    description = {
        "filter": {k: v for k, v in directory.cleaned_data.items() if v not in ("", None)}
        if directory.is_valid()
        else {},
        "selected": len(selection.ids) if not selection.everything else "all",
    }
    return members, description


def roster_export(
    *,
    user: AbstractBaseUser,
    members,
    file_format: str,
    id_numbers_asked: bool,
    target,
    description: dict,
    request=None,
) -> int:
    """Write the members (already a selection within the user's scope) and record who took
    what: the filter, the format, how many rows, whether ID numbers were in it."""
    policy = export_policy(user, id_numbers_asked=id_numbers_asked)
    count = export_members(members=members, policy=policy, file_format=file_format, target=target)
    _export_record(
        user=user,
        policy=policy,
        count=count,
        detail={**description, "format": file_format},
        request=request,
    )
    return count


def _export_record(*, user, policy, count: int, detail: dict, request=None) -> None:
    access_record(
        kind=AccessKind.EXPORT,
        request=request,
        user=user,
        row_count=count,
        detail={
            **detail,
            "id_numbers": policy.id_numbers,
            "full_mobiles": policy.full_mobiles,
        },
    )


# --- Large exports, written by a Celery task ---------------------------------------------


def roster_export_request(
    *,
    user: AbstractBaseUser,
    selection: ExportSelection,
    file_format: str,
    id_numbers_asked: bool,
    total: int,
) -> RosterExport:
    """Ask for a large export (the caller enqueues rosters.tasks.roster_export_build with
    its id). ID numbers are refused here too, not only in the view."""
    if file_format not in ("xlsx", "csv"):
        raise ValidationError(_("Choose .xlsx or .csv."))
    if id_numbers_asked and not scope.can_see_id_numbers(user):
        raise PermissionDenied
    return RosterExport.objects.create(
        requested_by=user,
        file_format=file_format,
        id_numbers=id_numbers_asked,
        selection=selection.as_data(),
        total=total,
    )


def roster_export_build(*, export_id: int) -> RosterExport:
    """Write the file of a large export (the task's body), as its requester's role allows
    now. Idempotent: a finished or expired export is left as it is; a redelivered one is
    written again from the start, and if two deliveries race, the first to finish wins and
    the other's file is thrown away, so there is one file and one export record."""
    with transaction.atomic():
        export = RosterExport.objects.select_for_update().get(pk=export_id)
        if export.status in (RosterExportStatus.DONE, RosterExportStatus.EXPIRED):
            return export
        user = export.requested_by
        if user is None or not user.is_active:
            export.status, export.error = RosterExportStatus.FAILED, _("The requester is gone.")
            export.save(update_fields=["status", "error"])
            return export
        export.status, export.progress, export.error = RosterExportStatus.BUILDING, 0, ""
        export.save(update_fields=["status", "progress", "error"])

    def progress(rows: int) -> None:
        RosterExport.objects.filter(pk=export_id).update(progress=rows)

    members, description = export_selection(
        user=user, selection=ExportSelection.from_data(export.selection)
    )
    policy = export_policy(user, id_numbers_asked=export.id_numbers)
    with tempfile.TemporaryFile() as spool:
        try:
            count = export_members(
                members=members,
                policy=policy,
                file_format=export.file_format,
                target=spool,
                progress=progress,
            )
        except Exception:
            RosterExport.objects.filter(pk=export_id).update(
                status=RosterExportStatus.FAILED,
                error=_("The export could not be written; ask again."),
            )
            raise
        spool.seek(0)
        with transaction.atomic():
            export = RosterExport.objects.select_for_update().get(pk=export_id)
            if export.status == RosterExportStatus.DONE:
                return export
            export.file.save(f"members-{export.pk}.{export.file_format}", File(spool), save=False)
            export.status = RosterExportStatus.DONE
            export.progress = export.row_count = count
            export.total = max(export.total, count)
            export.finished_at = timezone.now()
            export.expires_at = export.finished_at + datetime.timedelta(
                days=settings.ROSTER_EXPORT_KEEP_DAYS
            )
            export.save(
                update_fields=[
                    "file", "status", "progress", "row_count", "total", "finished_at",
                    "expires_at",
                ]
            )  # fmt: skip
            _export_record(
                user=user,
                policy=policy,
                count=count,
                detail={**description, "format": export.file_format, "export": export.pk},
            )
    return export


def roster_export_download(*, export: RosterExport, by: AbstractBaseUser, request=None):
    """The finished file, opened for reading, for its requester only; the download is
    recorded."""
    if export.requested_by_id != by.pk:
        raise PermissionDenied
    if export.status != RosterExportStatus.DONE or not export.file:
        raise ValidationError(_("This export is not ready."))
    handle = export.file.open("rb")
    access_record(
        kind=AccessKind.EXPORT,
        request=request,
        user=by,
        row_count=export.row_count,
        detail={"what": "roster_export_download", "export": export.pk},
    )
    return handle


def roster_exports_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of exports past their days; the rows stay (who took what, when)."""
    now = now or timezone.now()
    expired = 0
    for export in RosterExport.objects.filter(
        status=RosterExportStatus.DONE, expires_at__lte=now
    ).iterator():
        if export.file:
            export.file.delete(save=False)
        export.status = RosterExportStatus.EXPIRED
        export.save(update_fields=["file", "status"])
        expired += 1
    return expired


# --- Invalid rows and the template -------------------------------------------------------


def invalid_rows_workbook(batch: ImportBatch, target) -> int:
    """The invalid rows as uploaded, with a message column, to fix in Excel and upload."""
    rows = [r for r in batch_rows(batch)["rows"] if r["o"] == INVALID]
    workbook = xlsxwriter.Workbook(target, {"strings_to_formulas": False, "in_memory": True})
    sheet = workbook.add_worksheet()
    bold = workbook.add_format({"bold": True})
    text = workbook.add_format({"num_format": "@"})
    headers = [*(h or "" for h in batch.headers), _("Row in the original sheet"), _("Problems")]
    for col, header in enumerate(headers):
        sheet.write_string(0, col, str(header), bold)
        sheet.set_column(col, col, 16, text)
    for index, row in enumerate(rows, start=1):
        for col, value in enumerate(row["orig"][: len(batch.headers)]):
            if value is not None:
                sheet.write_string(index, col, str(value), text)
        messages = "；".join(f"{FIELD_LABELS[f]}：{m}" for f, m in row["e"].items())
        sheet.write_number(index, len(batch.headers), row["n"])
        sheet.write_string(index, len(batch.headers) + 1, messages)
    sheet.set_column(len(batch.headers) + 1, len(batch.headers) + 1, 60)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return len(rows)


def template_workbook(target) -> None:
    """The expected columns, a sample row, and lists to choose from."""
    workbook = xlsxwriter.Workbook(target, {"in_memory": True})
    sheet = workbook.add_worksheet(_("Members")[:31])
    bold = workbook.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sample = {
        "name": "赵丹",
        "mobile": "13812345678",
        "id_number": "",
        "sex": str(dict(Sex.choices)["female"]),
        "birth_date": datetime.date(1985, 3, 15),
        "ethnicity": "汉族",
        "political_status": str(PoliticalStatus.MASSES.label),
        "education": str(Education.COLLEGE.label),
        "occupation": str(Occupation.SHOP_OWNER.label),
        "joined_on": datetime.date(2023, 3, 5),
        "notes": "",
    }
    lists = {
        "sex": [str(label) for _c, label in Sex.choices],
        "political_status": [str(label) for _c, label in PoliticalStatus.choices],
        "education": [str(label) for _c, label in Education.choices],
        "occupation": [str(label) for _c, label in Occupation.choices],
    }
    for col, name in enumerate(FIELDS):
        is_date = name in ("birth_date", "joined_on")
        sheet.set_column(col, col, 21 if name == "id_number" else 14, date if is_date else text)
        sheet.write_string(0, col, str(FIELD_LABELS[name]), bold)
        value = sample[name]
        if is_date:
            sheet.write_datetime(1, col, value, date)
        elif value:
            sheet.write_string(1, col, value, text)
        if name in lists:
            sheet.data_validation(1, col, 5000, col, {"validate": "list", "source": lists[name]})
        if is_date:
            sheet.data_validation(
                1,
                col,
                5000,
                col,
                {
                    "validate": "date",
                    "criteria": "between",
                    "minimum": datetime.date(1900, 1, 1),
                    "maximum": datetime.date(2100, 12, 31),
                },
            )
    sheet.freeze_panes(1, 0)
    workbook.close()
