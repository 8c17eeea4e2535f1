from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from common import cache
        from federation.models import Organization, organization_moved
        from members import changes, counts
        from members.models import Tag, membership_paths_refresh

        changes.register()

        def tags_changed(**kwargs):
            cache.bump("tags")

        post_save.connect(tags_changed, sender=Tag, weak=False, dispatch_uid="choices_tags_saved")
        post_delete.connect(
            tags_changed, sender=Tag, weak=False, dispatch_uid="choices_tags_deleted"
        )

        def recount(organization, **kwargs):
            membership_paths_refresh(organization)
            counts.member_counts_rebuild()

        organization_moved.connect(
            recount, sender=Organization, weak=False, dispatch_uid="member_counts_after_move"
        )
