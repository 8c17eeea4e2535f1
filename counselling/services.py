"""Writes of the counselling intake."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from counselling.models import (
    CounsellingRequest,
    CounsellingService,
    DutySlot,
    IntakePoint,
    RequestStatus,
)
from counselling.selectors import bookable_slots, request_abilities
from federation import scope
from federation.models import Organization


def intake_point_for(organization: Organization) -> IntakePoint:
    point, _created = IntakePoint.objects.get_or_create(organization=organization)
    return point


@transaction.atomic
def request_submit(
    *,
    intake: IntakePoint,
    service: CounsellingService,
    slot: DutySlot | None,
    form_of_address: str,
    mobile: str,
    consent: bool,
    topic: str = "",
    words: str = "",
) -> CounsellingRequest:
    """A merchant's request from the public page. No login: what she gives is all we have."""
    if not consent:
        raise ValidationError(_("Please read and accept the confidentiality terms."))
    if not service.active:
        raise ValidationError(_("This service is not offered at the moment."))
    now = timezone.now()
    if slot is not None:
        # Locks the slot so two people cannot both take its last place.
        DutySlot.objects.select_for_update().filter(pk=slot.pk).first()
        if slot.service_id != service.pk or not bookable_slots(service, now).filter(pk=slot.pk):
            raise ValidationError(_("This time is no longer free; please choose another."))
        due = slot.ends_at
    else:
        due = now + datetime.timedelta(hours=settings.COUNSELLING_CALLBACK_HOURS)
    return CounsellingRequest.objects.create(
        service=service,
        slot=slot,
        organization=intake.organization,
        form_of_address=form_of_address,
        mobile=mobile,
        topic=topic,
        words=words,
        consent_at=now,
        callback_due=due,
    )


def _locked(request: CounsellingRequest) -> CounsellingRequest:
    return CounsellingRequest.objects.select_for_update().get(pk=request.pk)


@transaction.atomic
def request_assign(*, request: CounsellingRequest, counsellor, by) -> CounsellingRequest:
    """The district administrator assigns; a counsellor takes an unassigned one herself."""
    request = _locked(request)
    can = request_abilities(user=by, request=request)
    taking = counsellor.pk == by.pk and can.take
    if not (can.assign or taking):
        raise PermissionDenied
    if not scope.is_counsellor_for(counsellor, request.organization):
        raise ValidationError(_("Only a counsellor serving this place can be assigned."))
    request.assigned_to = counsellor
    request.status = RequestStatus.ASSIGNED
    request.save(update_fields=["assigned_to", "status"])
    return request


@transaction.atomic
def request_mark_called_back(*, request: CounsellingRequest, by) -> CounsellingRequest:
    request = _locked(request)
    scope.require(request_abilities(user=by, request=request).call_back)
    request.status = RequestStatus.CALLED_BACK
    request.called_back_at = timezone.now()
    request.save(update_fields=["status", "called_back_at"])
    return request


@transaction.atomic
def request_close(*, request: CounsellingRequest, note: str, by) -> CounsellingRequest:
    request = _locked(request)
    scope.require(request_abilities(user=by, request=request).close)
    request.status = RequestStatus.CLOSED
    request.closed_at = timezone.now()
    request.closing_note = note
    request.save(update_fields=["status", "closed_at", "closing_note"])
    return request


def requests_anonymize_expired(*, now: datetime.datetime | None = None) -> int:
    """Removes what could identify her from requests closed longer than the retention
    period. Idempotent: an anonymized request is not touched again."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.COUNSELLING_RETENTION_DAYS)
    return CounsellingRequest.objects.filter(
        status=RequestStatus.CLOSED, closed_at__lt=cutoff, anonymized_at__isnull=True
    ).update(form_of_address="", mobile="", words="", closing_note="", anonymized_at=now)


@transaction.atomic
def service_create(*, organization: Organization, name: str, kind: str, description: str, by):
    scope.require(scope.may_manage_counselling(by) and scope.may_see(by, organization))
    return CounsellingService.objects.create(
        organization=organization, name=name, kind=kind, description=description
    )


@transaction.atomic
def slot_create(
    *,
    service: CounsellingService,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    counsellors,
    capacity: int,
    by,
) -> DutySlot:
    scope.require(scope.may_manage_counselling(by))
    if ends_at <= starts_at:
        raise ValidationError(_("The slot must end after it starts."))
    for counsellor in counsellors:
        if not scope.is_counsellor(counsellor):
            raise ValidationError(
                _("%(name)s is not a counsellor of this service.") % {"name": counsellor}
            )
    slot = DutySlot.objects.create(
        service=service, starts_at=starts_at, ends_at=ends_at, capacity=capacity
    )
    slot.counsellors.set(counsellors)
    return slot
