"""Writes on logins: deactivation, forced password reset, password change, second factor."""

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountSecurity
from audit.models import AccessKind
from audit.services import access_record
from federation.models import Role

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
def user_deactivate(*, user: AbstractBaseUser, by: AbstractBaseUser) -> int:
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = _end_sessions(user)
    access_record(
        kind=AccessKind.LOGIN_DEACTIVATED, user=by, target=user, detail={"sessions": ended}
    )
    return ended


@transaction.atomic
def user_force_password_reset(
    *, user: AbstractBaseUser, by: AbstractBaseUser, temporary_password: str
) -> None:
    """Give the login a temporary password that must be replaced at the next login."""
    user.set_password(temporary_password)
    user.save(update_fields=["password"])
    AccountSecurity.objects.update_or_create(user=user, defaults={"must_change_password": True})
    _end_sessions(user)
    access_record(kind=AccessKind.PASSWORD_RESET_FORCED, user=by, target=user)


@transaction.atomic
def user_password_changed(*, user: AbstractBaseUser, request=None) -> None:
    AccountSecurity.objects.update_or_create(
        user=user,
        defaults={"must_change_password": False, "password_changed_at": timezone.now()},
    )
    access_record(kind=AccessKind.PASSWORD_CHANGED, request=request, user=user)


def user_must_change_password(user: AbstractBaseUser) -> bool:
    return AccountSecurity.objects.filter(user=user, must_change_password=True).exists()


def user_has_second_factor(user: AbstractBaseUser) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def user_needs_second_factor(user: AbstractBaseUser) -> bool:
    """District administrators must use a second factor when the setting says so."""
    from django.conf import settings

    if not settings.REQUIRE_TOTP_FOR_DISTRICT_ADMINS:
        return False
    return user.is_superuser or user.role_grants.filter(role=Role.DISTRICT_STAFF).exists()


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
