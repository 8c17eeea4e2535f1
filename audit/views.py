from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from audit.models import AccessKind
from audit.services import access_record


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    """Every 403 is recorded: who tried what, from where."""
    access_record(kind=AccessKind.PERMISSION_DENIED, request=request)
    return render(request, "403.html", status=403)
