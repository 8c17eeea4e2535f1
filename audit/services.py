from typing import Any

from django.conf import settings
from django.db import models
from django.http import Http404, HttpRequest

from audit.models import AccessEvent, ChangeRecord
from audit.redact import redact, redact_value


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, trusting X-Forwarded-For only as far as our own proxies.

    Each trusted proxy appends the address it saw; entries further left were written by
    the client and prove nothing.
    """
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR") or None


def access_record(
    *,
    kind: str,
    request: HttpRequest | None = None,
    user=None,
    username: str = "",
    target: models.Model | None = None,
    row_count: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AccessEvent:
    """Append one access record. Everything stored passes through the redactor."""
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    if not username and user is not None:
        username = user.get_username()
    event = AccessEvent(
        kind=kind,
        user=user if user is not None and user.pk else None,
        username=redact(username)[:150],
        ip_address=client_ip(request) if request is not None else None,
        path=redact(request.path)[:300] if request is not None else "",
        row_count=row_count,
        detail=redact_value(detail or {}),
    )
    if target is not None:
        event.object_type = target._meta.label_lower
        event.object_id = str(target.pk)
        event.object_repr = redact(str(target))[:200]
    event.save(force_insert=True)
    return event


def get_visible_or_404(request: HttpRequest, visible: models.QuerySet, **lookup) -> models.Model:
    """The object if the user's scope holds it; otherwise 404, and a record of the attempt
    when the object exists outside her scope (someone probing other markets' ids)."""
    try:
        return visible.get(**lookup)
    except visible.model.DoesNotExist:
        hidden = visible.model._default_manager.filter(**lookup).first()
        if hidden is not None:
            access_record(kind="permission_denied", request=request, target=hidden)
        raise Http404 from None


def change_record(
    *,
    target: models.Model,
    by,
    action: str,
    params: dict[str, Any] | None = None,
    changes: dict[str, tuple[Any, Any]] | None = None,
) -> ChangeRecord:
    """Append one entry to a record's change history (call inside the service's transaction).

    `params` are what the action's sentence needs (audit.changes renders it when read);
    `changes` the fields' stored values before and after.
    """
    return ChangeRecord.objects.create(
        **change_record_fields(
            target_type=target._meta.label_lower,
            target_id=target.pk,
            by=by,
            action=action,
            params=params,
            changes=changes,
        )
    )


def change_record_fields(
    *,
    target_type: str,
    target_id,
    by,
    action: str,
    params: dict[str, Any] | None = None,
    changes: dict[str, tuple[Any, Any]] | None = None,
) -> dict[str, Any]:
    """The columns of one change record, for services that insert many at once."""
    return {
        "user": by if by is not None and by.pk else None,
        "username": by.get_username() if by is not None else "",
        "object_type": target_type,
        "object_id": str(target_id),
        "action": action,
        "params": {key: _plain(value) for key, value in (params or {}).items()},
        "changes": {
            field: [_plain(old), _plain(new)] for field, (old, new) in (changes or {}).items()
        },
    }


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
