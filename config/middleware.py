from django.conf import settings
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _

from common.parsing import has_control_characters


class ChosenLanguageMiddleware:
    """Chinese unless the user chose English with the language switch.

    Django's LocaleMiddleware follows the browser's Accept-Language, so a market chair whose
    phone is set to English would get an English UI she never asked for. Here only the
    switch (the language cookie) changes the language; everyone else gets LANGUAGE_CODE.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen and check_for_language(chosen) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class NoStoreMiddleware:
    """Nothing shown to a logged-in user is kept by the browser or a proxy: every page and
    fragment may show a member (Cache-Control: no-store, as the login page sends)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class RefuseControlCharactersMiddleware:
    """Refuse a query string or form carrying control characters (NUL and the like) with a
    clear 400, before any view reads it: PostgreSQL refuses NUL in text (a 500 otherwise),
    and no field of ours means them. Tab and line breaks (a textarea) pass."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._carries_control_characters(request):
            message = _(
                "The request contained control characters (such as NUL), which no field "
                "accepts. Remove them and try again; nothing was changed."
            )
            if request.headers.get("HX-Request") == "true":
                return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)

    @staticmethod
    def _carries_control_characters(request) -> bool:
        if has_control_characters(request.path):
            return True
        sources = [request.GET]
        if request.method == "POST" and request.content_type in {
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        }:
            sources.append(request.POST)
        for data in sources:
            for key, values in data.lists():
                if has_control_characters(key) or any(
                    isinstance(value, str) and has_control_characters(value) for value in values
                ):
                    return True
        return False
