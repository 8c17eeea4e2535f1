from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("login security")
        verbose_name_plural = _("login security")

    def __str__(self) -> str:
        return str(self.user)
