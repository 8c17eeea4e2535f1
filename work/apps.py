from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkConfig(AppConfig):
    name = "work"
    verbose_name = _("The federation's work")

    def ready(self) -> None:
        from work import changes

        changes.register()
