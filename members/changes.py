"""The sentences of a member's change history, made when someone reads them."""

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from audit import changes
from members.models import HonorKind, Member


def _batch(params, sentence: str) -> str:
    if params.get("batch"):
        return sentence + _(" (roster import %(batch)s)") % params
    return sentence


def _created(params) -> str:
    if params.get("home"):
        return _batch(params, _("Registered in %(market)s, %(home)s") % params)
    return _batch(params, _("Registered in %(market)s") % params)


def _label(field: str) -> str:
    try:
        return str(Member._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:
        return field


def _updated(params) -> str:
    # Translators: between the names of several fields, "、" in Chinese.
    fields = pgettext("between names", ", ").join(_label(f) for f in params["fields"])
    return _batch(params, _("Changed: %(fields)s") % {"fields": fields})


def _honor(params) -> dict:
    return {**params, "kind": HonorKind(params["kind"]).label}


def register() -> None:
    changes.register("create", _created)
    changes.register("update", _updated)
    changes.register("left", lambda p: _batch(p, _("Left on %(date)s: %(reason)s") % p))
    changes.register("import_undone", lambda p: _("Roster import %(batch)s undone") % p)
    changes.register("restore", lambda p: _("Membership restored: %(market)s (%(date)s)") % p)
    changes.register(
        "transfer_requested",
        lambda p: _("Transfer requested: %(from)s → %(to)s (%(date)s)") % p,
    )
    changes.register(
        "transfer_confirmed",
        lambda p: _("Transfer confirmed: %(from)s → %(to)s (%(date)s)") % p,
    )
    changes.register("transfer_cancelled", lambda p: _("Transfer withdrawn: %(from)s → %(to)s") % p)
    changes.register("transfer_rejected", lambda p: _("Transfer rejected: %(from)s → %(to)s") % p)
    changes.register("tag_added", lambda p: _("Tag added: %(tag)s") % p)
    changes.register("tag_removed", lambda p: _("Tag removed: %(tag)s") % p)
    changes.register("home_assigned", lambda p: _("Joined %(home)s (%(date)s)") % p)
    changes.register(
        "honor_awarded", lambda p: _("Honor awarded: %(year)s %(kind)s, by %(by)s") % _honor(p)
    )
    changes.register(
        "honor_withdrawn", lambda p: _("Honor withdrawn: %(year)s %(kind)s, by %(by)s") % _honor(p)
    )
