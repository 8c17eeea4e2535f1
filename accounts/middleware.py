import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from accounts.signals import LOGIN_AT_SESSION_KEY, POLICY_SESSION_KEY

SEEN_AT_SESSION_KEY = "seen_at"


class SecurityPolicyMiddleware:
    """What a logged-in user must do before anything else.

    - A session ends SESSION_ABSOLUTE_AGE after login even if it is in use; it ends after
      SESSION_COOKIE_AGE without a request (idle timeout), renewed once a minute.
    - A password reset by an administrator must be replaced first.
    - Where the setting requires it, district administrators set up and use a second factor.

    The policy is worked out once at login and kept in the session, so ordinary requests
    cost no query here.
    """

    EXEMPT_URL_NAMES = frozenset(
        {"login", "login_verify", "logout", "set_language", "password_change", "second_factor"}
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        now = time.time()
        login_at = request.session.get(LOGIN_AT_SESSION_KEY)
        if login_at is None or now - login_at > settings.SESSION_ABSOLUTE_AGE:
            logout(request)
            messages.info(request, _("Your session has ended. Please log in again."))
            return redirect_to_login(request.get_full_path())
        # Idle timeout: saving the session renews its cookie and expiry date. Once a minute
        # is enough, and spares a database write on every click.
        if now - request.session.get(SEEN_AT_SESSION_KEY, 0) > settings.SESSION_RENEW_SECONDS:
            request.session[SEEN_AT_SESSION_KEY] = now
        policy = request.session.get(POLICY_SESSION_KEY, {})
        if not policy or _url_name(request) in self.EXEMPT_URL_NAMES:
            return self.get_response(request)
        if policy.get("must_change_password"):
            return redirect("password_change")
        if policy.get("needs_second_factor"):
            if not policy.get("has_second_factor"):
                return redirect("second_factor")
            if not user.is_verified():
                logout(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


def _url_name(request) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


class AdminForSuperusersMiddleware:
    """The Django admin is for superusers. Anyone else who is logged in gets a plain 403
    (recorded), not the admin's redirect to its login, which sends her to ours and back in
    a loop. Staff do their work on the product's own pages."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = None

    def __call__(self, request):
        if self.prefix is None:
            self.prefix = reverse("admin:index")
        user = getattr(request, "user", None)
        if (
            request.path_info.startswith(self.prefix)
            and user is not None
            and user.is_authenticated
            and not user.is_superuser
        ):
            raise PermissionDenied
        return self.get_response(request)
