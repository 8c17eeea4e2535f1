from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from audit import changes

        changes.register("notice_scheduled", _("Notice scheduled: %(title)s"))
        changes.register("notice_cancelled", _("Notice cancelled (%(count)s recipients not sent)"))
        changes.register("notice_retried", _("Failed recipients queued again: %(count)s"))
