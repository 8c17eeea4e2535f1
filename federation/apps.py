from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FederationConfig(AppConfig):
    name = "federation"
    verbose_name = _("Federation")

    def ready(self) -> None:
        from django.db.models import fields
        from django.db.models.signals import post_delete, post_save

        from accounts.services import second_factor_rule_register
        from common import cache
        from federation import changes, scope
        from federation.models import Organization

        changes.register()
        # The empty choice of every select. Django 6.1's "- Select an option -" has no Chinese
        # translation yet; Django asks projects to set their own label here (ready()).
        fields.BLANK_CHOICE_LABEL = pgettext_lazy("empty choice of a select", "Choose…")
        # Which logins must use an authenticator app: a rule of roles, which accounts asks.
        second_factor_rule_register(scope.needs_second_factor)

        def organizations_changed(**kwargs):
            cache.bump("organizations")

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
