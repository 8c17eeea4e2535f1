"""娘家有约: counselling services, duty rosters, call-back slots and the requests left by QR code.

A request is sensitive personal information (PIPL): only counsellors and the district's
administrators read it, every reading is recorded, and its content is removed a while after
it was closed (COUNSELLING_RETENTION_DAYS) — the counts by service, topic and status remain.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from federation.models import Organization


class ServiceKind(models.TextChoices):
    PSYCHOLOGICAL = "psychological", _("Psychological counselling")
    LEGAL = "legal", _("Legal advice")
    ENTREPRENEURSHIP = "entrepreneurship", _("Entrepreneurship guidance")
    FAMILY = "family", _("Family and marriage")
    OTHER = "other", _("Other")


class CounsellingService(models.Model):
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=20, choices=ServiceKind.choices)
    organization = models.ForeignKey(
        Organization, verbose_name=_("run by"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("counselling service")
        verbose_name_plural = _("counselling services")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="service_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class DutySlot(models.Model):
    """A time slot of a service's duty roster: who is on duty, and how many call-backs she
    can make in it (the slots a merchant books)."""

    service = models.ForeignKey(
        CounsellingService,
        verbose_name=_("service"),
        on_delete=models.CASCADE,
        related_name="slots",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    counsellors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("counsellors on duty"), related_name="duty_slots"
    )
    capacity = models.PositiveSmallIntegerField(_("call-backs in this slot"), default=4)

    class Meta:
        verbose_name = _("duty slot")
        verbose_name_plural = _("duty slots")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.starts_at:%Y-%m-%d %H:%M}"


def new_token() -> str:
    return secrets.token_urlsafe(12)


class IntakePoint(models.Model):
    """Where a poster hangs: its QR code leads to /help/<token>/ and files the request under
    the market or home (so the counts per market add up, and scope applies)."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="counselling_intake"
    )
    token = models.CharField(max_length=24, unique=True, default=new_token, editable=False)

    class Meta:
        verbose_name = _("counselling poster")
        verbose_name_plural = _("counselling posters")

    def __str__(self) -> str:
        return str(self.organization)


class Topic(models.TextChoices):
    FAMILY = "family", _("Family and marriage")
    CHILDREN = "children", _("Children and education")
    WORK = "work", _("Work and business pressure")
    DEBT = "debt", _("Money and debts")
    RIGHTS = "rights", _("Rights and disputes")
    HEALTH = "health", _("Health and mood")
    OTHER = "other", _("Something else")


class RequestStatus(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    CALLED_BACK = "called_back", _("Called back")
    CLOSED = "closed", _("Closed")


class CounsellingRequest(models.Model):
    service = models.ForeignKey(
        CounsellingService, verbose_name=_("service"), on_delete=models.PROTECT, related_name="+"
    )
    slot = models.ForeignKey(
        DutySlot,
        verbose_name=_("call-back slot"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("poster location"), on_delete=models.PROTECT, related_name="+"
    )
    form_of_address = models.CharField(_("how to address her"), max_length=30, blank=True)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices, blank=True)
    words = models.TextField(_("her words"), blank=True)
    consent_at = models.DateTimeField(_("consent given at"))
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.NEW
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("counsellor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    callback_due = models.DateTimeField(_("call back by"))
    called_back_at = models.DateTimeField(_("called back at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Read by the assigned counsellor only: not the district administrator, not statistics.
    closing_note = models.TextField(_("closing note"), blank=True)
    anonymized_at = models.DateTimeField(_("anonymized at"), null=True, blank=True)

    class Meta:
        verbose_name = _("counselling request")
        verbose_name_plural = _("counselling requests")
        ordering = ["callback_due", "pk"]
        indexes = [
            models.Index(fields=["status", "callback_due"]),
            models.Index(
                fields=["closed_at"],
                condition=Q(anonymized_at__isnull=True),
                name="counselling_to_anonymize",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(anonymized_at__isnull=False) | ~Q(mobile=""),
                name="request_has_mobile_until_anonymized",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="request_closed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return _("Request %(number)s") % {"number": self.pk}
