import base64
import io
import time

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.forms import LoginForm, TokenForm
from accounts.signals import refresh_policy

PENDING_USER_KEY = "pending_second_factor"
PENDING_MAX_AGE = 5 * 60


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


@login_not_required
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """Password first; a login with an authenticator then asks for its code."""
    if request.user.is_authenticated:
        return HttpResponseRedirect(_safe_next(request))
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if services.user_has_second_factor(user):
            request.session.cycle_key()
            request.session[PENDING_USER_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "at": time.time(),
                "next": _safe_next(request),
            }
            return redirect("login_verify")
        auth_login(request, user)
        return HttpResponseRedirect(_safe_next(request))
    return render(
        request, "federation/login.html", {"form": form, "next": request.GET.get("next", "")}
    )


@login_not_required
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_USER_KEY)
    if not pending or time.time() - pending["at"] > PENDING_MAX_AGE:
        request.session.pop(PENDING_USER_KEY, None)
        messages.error(request, _("Please log in again."))
        return redirect("login")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        return redirect("login")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None and device.verify_token(form.cleaned_data["token"]):
            del request.session[PENDING_USER_KEY]
            user.backend = pending["backend"]
            auth_login(request, user)
            django_otp.login(request, device)
            return HttpResponseRedirect(pending["next"])
        # A wrong code counts as a failed login, so the lockout covers guessing codes too.
        user_login_failed.send(
            sender=__name__, credentials={"username": user.get_username()}, request=request
        )
        form.add_error("token", _("This code is not valid. Check the time on your phone."))
    return render(request, "accounts/login_verify.html", {"form": form})


def locked_out(request: HttpRequest, credentials=None, *args, **kwargs) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        services.user_password_changed(user=user, request=request)
        refresh_policy(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect("dashboard")
    reason = services.user_password_change_reason(request.user)
    return render(request, "accounts/password_change.html", {"form": form, "reason": reason})


def _qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode()


@never_cache
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """Set up, replace or remove the authenticator app (TOTP)."""
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if request.method == "POST" and request.POST.get("action") == "remove":
        if services.user_needs_second_factor(user):
            messages.error(request, _("Your role requires a second factor; it cannot be removed."))
        else:
            services.totp_device_remove(user=user, request=request)
            refresh_policy(request, user)
            messages.success(request, _("The authenticator app has been removed."))
        return redirect("second_factor")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if request.method == "POST" and request.POST.get("action") == "start":
        device = services.totp_device_start(user=user)
    form = TokenForm(request.POST if request.POST.get("action") == "confirm" else None)
    if device is not None and form.is_bound and form.is_valid():
        if services.totp_device_confirm(
            device=device, token=form.cleaned_data["token"], request=request
        ):
            django_otp.login(request, device)
            refresh_policy(request, user)
            messages.success(request, _("The authenticator app is now required at login."))
            return redirect("dashboard")
        form.add_error("token", _("This code is not valid. Check the time on your phone."))
    context = {
        "confirmed": confirmed,
        "device": device,
        "form": form,
        "required": services.user_needs_second_factor(user),
        "qr": _qr_svg(device.config_url) if device is not None else None,
        "secret": base64.b32encode(device.bin_key).decode() if device is not None else None,
    }
    return render(request, "accounts/second_factor.html", context)


@login_not_required
@require_GET
def admin_login_redirect(request: HttpRequest) -> HttpResponse:
    """The admin has no login of its own: it would skip the second factor and lockout page."""
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))
