"""The tag list for the directory's filter and bulk forms, cached until a tag changes."""

from common import cache
from members.models import Tag


def tag_choices() -> list[tuple[int, str]]:
    return cache.cached(
        "tags", "all", lambda: list(Tag.objects.order_by("name").values_list("pk", "name"))
    )
