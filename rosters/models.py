from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from federation.models import Organization


class BatchStatus(models.TextChoices):
    READING = "reading", _("Reading the file")
    PREVIEWED = "previewed", _("Waiting for review")
    COMMITTED = "committed", _("Imported")
    UNDONE = "undone", _("Undone")
    FAILED = "failed", _("Could not be read")


class ImportBatch(models.Model):
    """One uploaded roster of one market: its reviewed diff, then what was applied.

    The file's rows and the values needed for undo hold mobiles and ID numbers; they are kept
    encrypted (members.crypto), never as readable JSON.
    """

    organization = models.ForeignKey(
        Organization, verbose_name=_("market"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file_name = models.CharField(_("file"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.READING
    )
    error = models.CharField(_("error"), max_length=300, blank=True)
    # Progress of reading in the background (rows read of rows found).
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=list, blank=True)
    # Counts per outcome, for the page and the command (no personal data).
    summary = models.JSONField(default=dict, blank=True)
    # Encrypted: the uploaded file, the parsed preview, and what undo restores.
    file_data = models.BinaryField(editable=False, default=b"")
    preview_data = models.BinaryField(editable=False, default=b"")
    undo_data = models.BinaryField(editable=False, default=b"")
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The last change record the import wrote: a later record on one of its members means
    # someone changed her since, and the import can no longer be undone.
    last_change_record_id = models.BigIntegerField(null=True, blank=True, editable=False)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.organization} {self.file_name} ({self.get_status_display()})"


class ColumnMapping(models.Model):
    """The column mapping a market last confirmed, offered again on its next upload."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("market")
    )
    # {normalized header text: field}
    columns = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")

    def __str__(self) -> str:
        return str(self.organization)


class ExportStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    BUILDING = "building", _("Being written")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class RosterExport(models.Model):
    """A large export of the directory, written by a Celery task and fetched later.

    Only the member who asked for it may download it: the file holds what her role showed
    her (masks and ID numbers as in the synchronous export), not what another user may see.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    file_format = models.CharField(_("format"), max_length=4)
    id_numbers = models.BooleanField(_("with ID numbers"), default=False)
    # What was selected on the directory: {"query": "...", "ids": [...], "everything": bool}.
    selection = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.WAITING
    )
    # Rows written of rows expected (counted when asked for; the task may find a few more).
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="roster-exports/%Y/", blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("available until"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("roster export")
        verbose_name_plural = _("roster exports")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(file_format__in=["xlsx", "csv"]),
                name="roster_export_format",
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="roster_export_expiry")]

    def __str__(self) -> str:
        at = timezone.localtime(self.requested_at)
        return f"{at:%Y-%m-%d %H:%M} {self.file_format} ({self.get_status_display()})"

    @property
    def filename(self) -> str:
        return f"members-{timezone.localtime(self.requested_at):%Y%m%d-%H%M}.{self.file_format}"
