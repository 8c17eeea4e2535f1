from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "federation"
    verbose_name = _("Federation")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from federation import choices
        from federation.models import Organization

        def organizations_changed(**kwargs):
            choices.bump("organizations")

        post_save.connect(
            organizations_changed,
            sender=Organization,
            weak=False,
            dispatch_uid="choices_organizations_saved",
        )
        post_delete.connect(
            organizations_changed,
            sender=Organization,
            weak=False,
            dispatch_uid="choices_organizations_deleted",
        )
