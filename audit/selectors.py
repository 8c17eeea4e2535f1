import datetime

from django.db.models import QuerySet

from audit.models import AccessEvent


def access_events_search(
    *,
    username: str = "",
    kind: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[AccessEvent]:
    """Access records matching the filters. Who may read them is decided by the page that
    shows them (federation.scope.can_read_access_log): the records know nothing of roles."""
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
