from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Access records")

    def ready(self) -> None:
        from audit import logging as audit_logging
        from audit import signals  # noqa: F401  (connects the login signal receivers)

        audit_logging.install_redacting_record_factory()
