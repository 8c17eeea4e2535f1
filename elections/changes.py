"""The sentences of the elections' change records, made when someone reads them."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from audit import changes
from federation.models import Position


def _names(names) -> str:
    # Translators: between the names of several people, "、" in Chinese.
    return pgettext("between names", ", ").join(names or [])


def _position(code: str) -> str:
    return str(Position(code).label)


def _election(params) -> str:
    parts = [_("chair %(name)s") % {"name": params["chair"]}]
    if params.get("vice_chairs"):
        parts.append(_("vice-chairs %(names)s") % {"names": _names(params["vice_chairs"])})
    if params.get("executives"):
        parts.append(_("executive committee %(names)s") % {"names": _names(params["executives"])})
    # Translators: "第%(number)s届：%(officers)s".
    return _("Term %(number)s: %(officers)s") % {
        "number": params["number"],
        # Translators: between "chair …", "vice-chairs …" and "executive committee …".
        "officers": pgettext("between officer groups", "; ").join(parts),
    }


def _office_add(params) -> str:
    return _("Added %(position)s %(name)s from %(date)s") % {
        **params,
        "position": _position(params["position"]),
    }


def _office_replace(params) -> str:
    sentence = _("%(position)s %(old)s replaced by %(new)s from %(date)s") % {
        **params,
        "position": _position(params["position"]),
    }
    if params.get("vacated"):
        left = _("she leaves her office as %(position)s") % {
            "position": _position(params["vacated"])
        }
        sentence += pgettext("between officer groups", "; ") + left
    return sentence


def _office_end(params) -> str:
    return _("%(position)s %(name)s left office on %(date)s") % {
        **params,
        "position": _position(params["position"]),
    }


def register() -> None:
    changes.register("election", _election)
    changes.register("office_add", _office_add)
    changes.register("office_replace", _office_replace)
    changes.register("office_end", _office_end)
