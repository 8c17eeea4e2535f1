from django.conf import settings
from django.db import models
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
