from functools import cached_property

from members.selectors import transfers_awaiting_decision


def transfers(request) -> dict:
    """The number of transfers waiting for the user's decision, for the 调动 nav item.
    Lazy: a page that never shows the navigation (a fragment) asks nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"awaiting": _Awaiting(user)}


class _Awaiting:
    def __init__(self, user):
        self._user = user

    @cached_property
    def transfers(self) -> int:
        return transfers_awaiting_decision(self._user).count()
