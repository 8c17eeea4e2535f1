import datetime

from django.db.models import QuerySet

from audit.models import AccessEvent
from federation.models import Role


def can_read_access_log(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.role_grants.filter(role=Role.DISTRICT_STAFF).exists()


def access_events_search(
    *,
    user,
    username: str = "",
    kind: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[AccessEvent]:
    if not can_read_access_log(user):
        return AccessEvent.objects.none()
    events = AccessEvent.objects.all()
    if username:
        events = events.filter(username__icontains=username)
    if kind:
        events = events.filter(kind=kind)
    if since:
        events = events.filter(at__date__gte=since)
    if until:
        events = events.filter(at__date__lte=until)
    return events
