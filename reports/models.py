from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from federation.models import Organization


class ExportStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    BUILDING = "building", _("Being built")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class WorkbookExport(models.Model):
    """One annual workbook asked for by a user: built by a Celery task, kept as a file and
    listed for the organization it covers."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.WAITING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to="workbooks/%Y/", blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("annual workbook")
        verbose_name_plural = _("annual workbooks")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="workbook_export_progress_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"

    @property
    def filename(self) -> str:
        return f"年度统计-{self.organization.name}-{self.year}.xlsx"


class YearConfirmation(models.Model):
    """A market chair's confirmation that her market's figures for the year are right."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), auto_now_add=True)
    # The figures she saw and confirmed (the sections as data).
    figures = models.JSONField(_("figures"), default=list)

    class Meta:
        verbose_name = _("confirmation of the year's figures")
        verbose_name_plural = _("confirmations of the year's figures")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"], name="year_confirmation_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"


class FrozenReport(models.Model):
    """The year's report as staff froze it: later corrections of records do not change it."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("frozen by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    frozen_at = models.DateTimeField(_("frozen at"), auto_now_add=True)
    as_of = models.DateField(_("as of"))
    sections = models.JSONField(_("sections"), default=list)

    class Meta:
        verbose_name = _("frozen report")
        verbose_name_plural = _("frozen reports")
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="frozen_report_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"
