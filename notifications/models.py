"""Notices, their frozen recipient lists, SMS signatures and templates, consent and opt-out.

One Recipient row per (notice, member, channel) is the ledger that makes sending exactly
once: a task claims a row by moving it from pending to sending under a fresh send key (the
key travels to the gateway as its OutId), and only the gateway's answer moves it on.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from federation.models import Organization
from members.models import Member


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class SmsSignature(models.Model):
    """A signature (签名) as approved by the SMS provider, e.g. 【芦淞妇联】."""

    name = models.CharField(_("signature"), max_length=20, unique=True)
    approved = models.BooleanField(_("approved by the provider"), default=False)

    class Meta:
        verbose_name = _("SMS signature")
        verbose_name_plural = _("SMS signatures")

    def __str__(self) -> str:
        return self.name


class SmsTemplate(models.Model):
    """A template as filed with the provider: its code (SMS_123456789) and its text with
    the variables {姓名} {市场} {时间}."""

    code = models.CharField(_("template code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    body = models.TextField(_("text"))
    signature = models.ForeignKey(
        SmsSignature, verbose_name=_("signature"), on_delete=models.PROTECT, related_name="+"
    )
    approved = models.BooleanField(_("approved by the provider"), default=False)
    promotional = models.BooleanField(
        _("promotional"), default=False, help_text=_("Carries the opt-out line.")
    )

    class Meta:
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class WeComBot(models.Model):
    """A 企业微信 group robot: posts a notice into an officers' group (20 a minute)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=60)
    webhook_url = models.URLField(_("webhook address"), max_length=300)

    class Meta:
        verbose_name = _("WeChat Work group bot")
        verbose_name_plural = _("WeChat Work group bots")

    def __str__(self) -> str:
        return self.name


class WeComPostState(models.TextChoices):
    PENDING = "pending", _("Queued")
    POSTING = "posting", _("Sending")
    POSTED = "posted", pgettext_lazy("notice state", "Posted")
    FAILED = "failed", _("Failed")


class NoticeState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    DONE = "done", pgettext_lazy("notice state", "Done")
    CANCELLED = "cancelled", _("Cancelled")


class Notice(models.Model):
    organization = models.ForeignKey(
        Organization, verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=100)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    sms_template = models.ForeignKey(
        SmsTemplate,
        verbose_name=_("SMS template"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = models.TextField(_("text"), blank=True)  # e-mail text; SMS use their template's
    event_time = models.CharField(_("time"), max_length=40, blank=True)  # fills {时间}
    # The directory's search and filters (or ticked ids) as the sender chose them; re-run
    # within her scope when the notice is sent, then frozen into Recipient rows.
    audience = models.JSONField(default=dict)
    send_at = models.DateTimeField(_("send at"))
    quiet_hours_override = models.BooleanField(_("send during quiet hours"), default=False)
    state = models.CharField(
        _("state"), max_length=10, choices=NoticeState.choices, default=NoticeState.SCHEDULED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    frozen_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    excluded_opted_out = models.PositiveIntegerField(default=0)
    excluded_no_address = models.PositiveIntegerField(default=0)
    excluded_left = models.PositiveIntegerField(default=0)
    excluded_no_consent = models.PositiveIntegerField(default=0, db_default=0)
    # Filled when the notice is done (the progress page counts live rows until then).
    counts = models.JSONField(default=dict, blank=True)
    # Also posted into an officers' 企业微信 group (one post, not per member).
    wecom_bot = models.ForeignKey(
        WeComBot,
        verbose_name=_("post to WeChat Work group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Database defaults: rows written by code older than these columns stay valid.
    wecom_state = models.CharField(
        max_length=10, choices=WeComPostState.choices, blank=True, db_default=""
    )
    wecom_reason = models.CharField(max_length=200, blank=True, db_default="")
    # Promotional (an invitation to a fair, a training with a sponsor): reaches only members
    # with recorded consent for the channel and carries the opt-out line (PIPL art. 14–15).
    # An SMS notice is promotional when its filed template is.
    promotional = models.BooleanField(_("promotional"), default=False, db_default=False)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "send_at"], name="notice_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(channel="sms") | Q(sms_template__isnull=False),
                name="notice_sms_has_template",
            )
        ]

    def __str__(self) -> str:
        return self.title


class RecipientState(models.TextChoices):
    PENDING = "pending", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = (RecipientState.PENDING, RecipientState.SENDING)


class Recipient(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="recipients")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # Frozen when the notice is sent: later roster edits do not change who it went to.
    address = models.CharField(max_length=254)
    name = models.CharField(max_length=50)
    market = models.CharField(max_length=100, blank=True)
    state = models.CharField(
        max_length=10, choices=RecipientState.choices, default=RecipientState.PENDING
    )
    # Set when a task claims the row; sent to the gateway as OutId, so that the sweep can
    # ask whether a send whose worker died reached it.
    send_key = models.CharField(max_length=40, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    provider_id = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    queued_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "member", "channel"], name="recipient_once_per_notice_channel"
            )
        ]
        indexes = [
            models.Index(fields=["notice", "state"], name="recipient_notice_state_idx"),
            models.Index(
                fields=["updated_at"],
                name="recipient_sending_idx",
                condition=Q(state="sending"),
            ),
            models.Index(fields=["provider_id", "address"], name="recipient_provider_idx"),
            models.Index(fields=["address", "queued_at"], name="recipient_address_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id}:{self.member_id}:{self.channel}"


class ConsentMethod(models.TextChoices):
    PAPER_FORM = "paper_form", _("Signed form")
    IN_PERSON = "in_person", _("In person, recorded by staff")
    PHONE = "phone", _("By phone, recorded by staff")
    IMPORT = "import", _("Imported roster with consent column")


class Consent(models.Model):
    """Her consent to be reached on a channel (PIPL art. 14): when and how it was given."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    given_at = models.DateTimeField(_("given at"))
    method = models.CharField(_("how"), max_length=20, choices=ConsentMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(fields=["member", "channel"], name="consent_once_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.channel}"


class OptOutSource(models.TextChoices):
    SMS_REPLY = "sms_reply", _("SMS reply (TD / R / 退订)")
    STAFF = "staff", _("Recorded by staff")
    PAPER_FORM = "paper_form", pgettext_lazy("opt-out", "Signed form")
    IN_PERSON = "in_person", pgettext_lazy("opt-out", "In person, recorded by staff")
    PHONE = "phone", pgettext_lazy("opt-out", "By phone, recorded by staff")


class OptOut(models.Model):
    """She asked not to be reached on this channel: never "from everything" by accident."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    at = models.DateTimeField(_("at"))
    source = models.CharField(_("how"), max_length=20, choices=OptOutSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")
        constraints = [
            models.UniqueConstraint(fields=["member", "channel"], name="optout_once_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.channel}"
