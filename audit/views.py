from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit import selectors
from audit.forms import AccessSearchForm

PAGE_SIZE = 50


@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    if not selectors.can_read_access_log(request.user):
        raise PermissionDenied
    form = AccessSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.access_events_search(user=request.user, **filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    if request.htmx:
        return render(request, "audit/access_log.html#results", context)
    return render(request, "audit/access_log.html", context)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    """Every 403 is recorded: who tried what, from where."""
    from audit.models import AccessKind
    from audit.services import access_record

    access_record(kind=AccessKind.PERMISSION_DENIED, request=request)
    return render(request, "403.html", status=403)
