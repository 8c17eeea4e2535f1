"""Writes on organizations and on who may do what in them: role grants and logins."""

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from accounts.services import (
    user_created_with_temporary_password,
    user_deactivate,
    user_force_password_reset,
)
from audit.services import change_record
from federation import scope
from federation.models import ADMINISTERING_ROLES, Organization, RoleGrant

# No 0/O, 1/l/I: the password is read out or copied by hand from a phone screen.
TEMPORARY_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105
TEMPORARY_PASSWORD_LENGTH = 12


def temporary_password() -> str:
    return get_random_string(TEMPORARY_PASSWORD_LENGTH, TEMPORARY_PASSWORD_ALPHABET)


# --- Organizations (the admin's writes) --------------------------------------------------------


@transaction.atomic
def organization_save(*, organization: Organization, by: AbstractBaseUser, changed: list[str]):
    """Create or change an organization (the tree is kept by superusers in the admin)."""
    scope.require(by.is_superuser)
    created = organization.pk is None
    organization.full_clean()
    organization.save()
    change_record(
        target=organization,
        by=by,
        action="organization_created" if created else "organization_changed",
        params={"name": organization.name, "fields": sorted(changed)},
    )
    return organization


# --- Logins and role grants -----------------------------------------------------------------


def _require_may_grant(*, by: AbstractBaseUser, role: str, organization: Organization) -> None:
    if role not in scope.roles_grantable_by(user=by, organization=organization):
        raise PermissionDenied("This role cannot be granted or revoked here by this user.")


@transaction.atomic
def role_grant_add(
    *, user: AbstractBaseUser, role: str, organization: Organization, by: AbstractBaseUser
) -> RoleGrant:
    """Give a login a role over an organization (and so over everything under it)."""
    _require_may_grant(by=by, role=role, organization=organization)
    if not user.is_active:
        raise ValidationError(
            _("The login %(user)s is deactivated."),
            code="inactive",
            params={"user": user.get_username()},
        )
    if scope.role_grant_exists(user=user, role=role, organization=organization):
        raise ValidationError(
            _("%(user)s already has this role here."),
            code="duplicate",
            params={"user": user.get_username()},
        )
    grant = RoleGrant.objects.create(user=user, role=role, organization=organization, granted_by=by)
    change_record(
        target=organization,
        by=by,
        action="role_grant",
        params={"user": user.get_username(), "role": role},
        changes={"role_grant": (None, f"{user.get_username()}:{role}")},
    )
    scope.forget_grants(user)
    return grant


@transaction.atomic
def role_grant_revoke(*, grant: RoleGrant, by: AbstractBaseUser) -> None:
    organization = grant.organization
    if grant.role not in scope.roles_revocable_by(user=by, organization=organization):
        raise PermissionDenied("This role cannot be revoked here by this user.")
    if grant.user_id == by.pk and grant.role in ADMINISTERING_ROLES:
        # Locked, so that revoking her two last grants at once cannot leave her with none.
        own = scope.administering_grant_ids(by, for_update=True)
        if set(own) <= {grant.pk}:
            raise ValidationError(
                _("You cannot revoke your own last administering role."), code="last_admin_role"
            )
    username = grant.user.get_username()
    change_record(
        target=organization,
        by=by,
        action="role_revoke",
        params={"user": username, "role": grant.role},
        changes={"role_grant": (f"{username}:{grant.role}", None)},
    )
    grant.delete()
    scope.forget_grants(grant.user)


@transaction.atomic
def login_create(
    *,
    username: str,
    full_name: str,
    role: str,
    organization: Organization,
    by: AbstractBaseUser,
    request=None,
) -> tuple[AbstractBaseUser, str]:
    """A new login with a role here and a temporary password, to be replaced at the first
    login. The password is returned once and kept nowhere in clear."""
    _require_may_grant(by=by, role=role, organization=organization)
    if get_user_model()._default_manager.filter(username__iexact=username).exists():
        raise ValidationError(
            {"username": _("A user with that username already exists.")}, code="unique"
        )
    password = temporary_password()
    user = user_created_with_temporary_password(
        username=username, full_name=full_name, password=password, by=by, request=request
    )
    change_record(target=organization, by=by, action="login_create", params={"user": username})
    role_grant_add(user=user, role=role, organization=organization, by=by)
    return user, password


@transaction.atomic
def login_deactivate(*, login: AbstractBaseUser, by: AbstractBaseUser, request=None) -> int:
    """Deactivate a login and end her sessions at once (she left the federation's work)."""
    scope.require(scope.login_abilities(user=by, login=login).deactivate)
    return user_deactivate(user=login, by=by, request=request)


@transaction.atomic
def login_password_reset(*, login: AbstractBaseUser, by: AbstractBaseUser, request=None) -> str:
    """A temporary password she must replace at her next login; returned once, kept nowhere
    in clear. Her sessions end."""
    scope.require(scope.login_abilities(user=by, login=login).reset_password)
    password = temporary_password()
    user_force_password_reset(user=login, by=by, temporary_password=password, request=request)
    return password
