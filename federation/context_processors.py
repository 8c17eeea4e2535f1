from federation import scope


def abilities(request) -> dict:
    """What the navigation offers, from the same answers the pages and services use. Lazy:
    a page that never shows the navigation (a fragment) asks nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_can": _NavAbilities(user)}


class _NavAbilities:
    def __init__(self, user):
        self._user = user

    @property
    def read_access_log(self) -> bool:
        return scope.can_read_access_log(self._user)

    @property
    def read_members(self) -> bool:
        return scope.has_member_access(self._user)

    @property
    def read_work(self) -> bool:
        return scope.has_member_access(self._user)

    @property
    def read_counselling(self) -> bool:
        return scope.has_counselling_access(self._user)
