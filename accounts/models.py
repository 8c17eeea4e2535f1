from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PasswordChangeReason(models.TextChoices):
    NEW_LOGIN = "new_login", _("New login")
    RESET = "reset", _("Password reset by an administrator")


class AccountSecurity(models.Model):
    """Per-login security state that Django's User does not keep."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="security",
    )
    must_change_password = models.BooleanField(
        _("must change password at next login"), default=False
    )
    # Why she must choose a password: a new login is welcomed, a reset one is told so.
    must_change_because = models.CharField(
        _("why the password must change"),
        max_length=10,
        choices=PasswordChangeReason.choices,
        blank=True,
    )
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("login security")
        verbose_name_plural = _("login security")

    def __str__(self) -> str:
        return str(self.user)
