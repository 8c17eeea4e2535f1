from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit import changes


class AccessKind(models.TextChoices):
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOCKED_OUT = "locked_out", _("Locked out after failed logins")
    LOGOUT = "logout", _("Logged out")
    PERMISSION_DENIED = "permission_denied", _("Permission denied")
    UNMASK_MOBILE = "unmask_mobile", _("Mobile number shown")
    UNMASK_ID_NUMBER = "unmask_id_number", _("ID number shown")
    EXPORT = "export", _("Export")
    COUNSELLING_VIEW = "counselling_view", _("Counselling request viewed")
    PERSONAL_DATA_EXPORT = "personal_data_export", _("Personal data handed over")
    PERSONAL_DATA_ERASURE = "personal_data_erasure", _("Personal data erased")
    LOGIN_CREATED = "login_created", _("Login created")
    LOGIN_DEACTIVATED = "login_deactivated", _("Login deactivated")
    PASSWORD_RESET_FORCED = "password_reset_forced", _("Password reset forced")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    SECOND_FACTOR = "second_factor", _("Second factor changed")
    DUPLICATE_LOOKUP = "duplicate_lookup", _("Number found registered elsewhere")


class AppendOnlyError(Exception):
    """An access record was about to be changed or deleted: a programming error, not a
    user's missing permission (that is django.core.exceptions.PermissionDenied)."""


class AccessEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Access records are append-only.")

    def delete(self):
        raise AppendOnlyError("Access records are append-only.")


class AccessEvent(models.Model):
    """Who saw or took personal data, and who tried to get in: append-only, separate from
    the change history. It never holds a full mobile or ID number (see audit.redact)."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as typed: a failed login names a user that may not exist, and a deleted login
    # must still show in the record.
    username = models.CharField(_("username"), max_length=150, blank=True, db_index=True)
    kind = models.CharField(_("event"), max_length=24, choices=AccessKind.choices, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("page"), max_length=300, blank=True)
    object_type = models.CharField(_("object type"), max_length=50, blank=True)
    object_id = models.CharField(_("object id"), max_length=50, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("access record")
        verbose_name_plural = _("access records")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="access_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Access records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Access records are append-only.")


class ChangeRecord(models.Model):
    """The change history of a record: who changed what, when, from which value to which.

    Separate from the access records: this one is part of the member's (or organization's)
    own record and is shown on her page, masked as the reader's role requires.
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object id"), max_length=50)
    action = models.CharField(_("action"), max_length=40)
    # What the sentence of the action needs (names, dates, codes), rendered in the reader's
    # language when read (audit.changes).
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # The finished sentence of records written before actions had parameters, in the
    # language of whoever wrote them; empty for newer records.
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    # {"field": [old, new], ...}: stored values (choice codes, not labels), turned into what
    # people read by the app that owns the record.
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="change_object_idx")
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.text}"

    @property
    def text(self) -> str:
        """The sentence of this change, in the language of whoever reads it."""
        return changes.render(self.action, self.params, self.summary)

    @property
    def who(self) -> str:
        """Who made it: the user, or what made it without one (an SMS reply)."""
        return self.username or changes.actor(self.params)
