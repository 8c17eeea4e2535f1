"""The one rule for answering an htmx request with a fragment instead of the whole page."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx request that swaps part of a page. A history restore (the browser's Back
    button after the page left htmx's history cache) must get the whole page: htmx puts
    the answer in place of <body>."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def fragment_or_page(
    request: HttpRequest,
    template: str,
    fragment: str,
    context: dict,
    *,
    status: int = 200,
) -> HttpResponse:
    """The named partial of `template` for an htmx swap, the whole page otherwise (a
    reload, Back, a link opened in a new tab, a browser without JavaScript)."""
    name = f"{template}#{fragment}" if wants_fragment(request) else template
    response = render(request, name, context, status=status)
    # The same URL answers with two bodies: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response
