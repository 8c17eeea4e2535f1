from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from federation import choices
        from members.models import Tag

        def tags_changed(**kwargs):
            choices.bump("tags")

        post_save.connect(tags_changed, sender=Tag, weak=False, dispatch_uid="choices_tags_saved")
        post_delete.connect(
            tags_changed, sender=Tag, weak=False, dispatch_uid="choices_tags_deleted"
        )
