"""The sentences of the organizations' change records, made when someone reads them."""

from django.utils.translation import gettext as _

from audit import changes
from federation.models import Role


def _role(params) -> dict:
    return {**params, "role": Role(params["role"]).label}


def register() -> None:
    changes.register("role_grant", lambda p: _("Granted the role %(role)s to %(user)s") % _role(p))
    changes.register(
        "role_revoke", lambda p: _("Revoked the role %(role)s from %(user)s") % _role(p)
    )
    changes.register("login_create", lambda p: _("New login %(user)s") % p)
    changes.register("organization_created", lambda p: _("Organization %(name)s created") % p)
    changes.register("organization_changed", lambda p: _("Organization %(name)s changed") % p)
