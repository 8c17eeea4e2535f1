"""Writes on logins: deactivation, forced password reset, password change, second factor."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountSecurity, PasswordChangeReason
from audit.models import AccessKind
from audit.services import access_record

User = get_user_model()


def _end_sessions(user: AbstractBaseUser) -> int:
    """Delete every stored session of this user, so that she is out at her next request.

    Sessions are signed blobs keyed by a random id; the user id is only inside them, so the
    unexpired ones are decoded. Staff logins number in the hundreds, not the millions.
    """
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def user_deactivate(*, user: AbstractBaseUser, by: AbstractBaseUser, request=None) -> int:
    """Low level: callers check who may do it (federation.services.login_deactivate)."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = _end_sessions(user)
    access_record(
        kind=AccessKind.LOGIN_DEACTIVATED,
        request=request,
        user=by,
        target=user,
        detail={"sessions": ended},
    )
    return ended


@transaction.atomic
def user_force_password_reset(
    *, user: AbstractBaseUser, by: AbstractBaseUser, temporary_password: str, request=None
) -> None:
    """Give the login a temporary password that must be replaced at the next login.
    Low level: callers check who may do it (federation.services.login_password_reset)."""
    user.set_password(temporary_password)
    user.save(update_fields=["password"])
    AccountSecurity.objects.update_or_create(
        user=user,
        defaults={
            "must_change_password": True,
            "must_change_because": PasswordChangeReason.RESET,
        },
    )
    _end_sessions(user)
    access_record(kind=AccessKind.PASSWORD_RESET_FORCED, request=request, user=by, target=user)


@transaction.atomic
def user_created_with_temporary_password(
    *, username: str, full_name: str, password: str, by: AbstractBaseUser, request=None
) -> AbstractBaseUser:
    """A new login whose first act must be choosing her own password."""
    user = User._default_manager.create_user(
        username=username, password=password, first_name=full_name
    )
    AccountSecurity.objects.update_or_create(
        user=user,
        defaults={
            "must_change_password": True,
            "must_change_because": PasswordChangeReason.NEW_LOGIN,
        },
    )
    access_record(kind=AccessKind.LOGIN_CREATED, request=request, user=by, target=user)
    return user


@transaction.atomic
def user_password_changed(*, user: AbstractBaseUser, request=None) -> None:
    AccountSecurity.objects.update_or_create(
        user=user,
        defaults={
            "must_change_password": False,
            "must_change_because": "",
            "password_changed_at": timezone.now(),
        },
    )
    access_record(kind=AccessKind.PASSWORD_CHANGED, request=request, user=user)


def user_must_change_password(user: AbstractBaseUser) -> bool:
    return AccountSecurity.objects.filter(user=user, must_change_password=True).exists()


def user_password_change_reason(user: AbstractBaseUser) -> str:
    """Why she must choose a password now ("" when she need not)."""
    security = AccountSecurity.objects.filter(user=user, must_change_password=True).first()
    if security is None:
        return ""
    return security.must_change_because or PasswordChangeReason.RESET


def user_has_second_factor(user: AbstractBaseUser) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# Which logins must use a second factor besides superusers is decided by their roles, which
# this app knows nothing of: the app that keeps roles (federation) registers its rule here.
_second_factor_rules: list[Callable[[AbstractBaseUser], bool]] = []


def second_factor_rule_register(rule: Callable[[AbstractBaseUser], bool]) -> None:
    if rule not in _second_factor_rules:
        _second_factor_rules.append(rule)


def user_needs_second_factor(user: AbstractBaseUser) -> bool:
    """Superusers and the logins a registered rule names (district staff) must use a second
    factor when REQUIRE_TOTP_FOR_DISTRICT_ADMINS says so."""
    if not settings.REQUIRE_TOTP_FOR_DISTRICT_ADMINS:
        return False
    return user.is_superuser or any(rule(user) for rule in _second_factor_rules)


@transaction.atomic
def totp_device_start(*, user: AbstractBaseUser) -> TOTPDevice:
    """A fresh, unconfirmed authenticator key; confirmed once the user types a valid code."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str, request=None) -> bool:
    if not device.verify_token(token):
        return False
    TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    access_record(
        kind=AccessKind.SECOND_FACTOR, request=request, user=device.user, detail={"action": "on"}
    )
    return True


@transaction.atomic
def totp_device_remove(*, user: AbstractBaseUser, request=None) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    access_record(
        kind=AccessKind.SECOND_FACTOR, request=request, user=user, detail={"action": "off"}
    )
