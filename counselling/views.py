import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import AccessKind
from audit.services import access_record, client_ip, get_visible_or_404
from common.htmx import fragment_or_page
from common.ratelimit import address_flooding, mobile_flooding
from counselling import selectors, services
from counselling.forms import AssignForm, CloseForm, IntakeForm, ServiceForm, SlotForm
from counselling.models import IntakePoint, RequestStatus
from federation import scope

INTAKE_RATE_ADDRESS = "10/h"
INTAKE_RATE_MOBILE = "3/d"


def _require_access(request: HttpRequest) -> None:
    if not scope.has_counselling_access(request.user):
        access_record(kind=AccessKind.PERMISSION_DENIED, request=request)
        raise PermissionDenied


# --- The public page behind the poster ---------------------------------------------------


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest, token: str) -> HttpResponse:
    point = get_object_or_404(IntakePoint.objects.select_related("organization"), token=token[:24])
    offered = selectors.services_offered()
    slots = selectors.bookable_slots()
    form = IntakeForm(request.POST or None, services=offered, slots=slots)
    context = {"point": point, "form": form}
    if request.method != "POST":
        return render(request, "counselling/intake.html", context)
    if address_flooding(
        request, group="intake", address=client_ip(request), rate=INTAKE_RATE_ADDRESS
    ):
        context["refused"] = _(
            "Too many messages have been sent from this network. Please try again later."
        )
        return render(request, "counselling/intake.html", context, status=429)
    if not form.is_valid():
        return render(request, "counselling/intake.html", context, status=400)
    if form.is_bot():  # the honeypot: answer as if done, keep nothing
        return render(request, "counselling/intake_done.html", context)
    data = form.cleaned_data
    if mobile_flooding(request, group="intake", mobile=data["mobile"], rate=INTAKE_RATE_MOBILE):
        context["refused"] = _(
            "We already have your message for this number. We will call you; please wait."
        )
        return render(request, "counselling/intake.html", context, status=429)
    try:
        services.request_submit(
            intake=point,
            service=data["service"],
            slot=data["slot"],
            form_of_address=data["form_of_address"].strip(),
            mobile=data["mobile"],
            topic=data["topic"],
            words=data["words"].strip(),
            consent=data["consent"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return render(request, "counselling/intake.html", context, status=400)
    # Post/redirect/get: a reload does not send it again; the URL says nothing of content.
    return redirect("counselling_intake_done", token=point.token)


@login_not_required
@require_GET
def intake_done(request: HttpRequest, token: str) -> HttpResponse:
    point = get_object_or_404(IntakePoint, token=token[:24])
    return render(request, "counselling/intake_done.html", {"point": point})


@require_GET
def poster(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable A4 poster with the QR code of the market's or home's intake page."""
    organization = get_visible_or_404(
        request, scope.organizations_changeable_by(request.user), pk=pk
    )
    if not scope.may_print_poster_for(request.user, organization):
        raise PermissionDenied
    point = services.intake_point_for(organization)
    url = request.build_absolute_uri(reverse("counselling_intake", args=[point.token]))
    qr = segno.make(url, error="q").svg_data_uri(scale=10, border=2)
    return render(
        request, "counselling/poster.html", {"organization": organization, "url": url, "qr": qr}
    )


# --- The counsellors' pages --------------------------------------------------------------


@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    _require_access(request)
    requests = selectors.requests_visible_to(request.user)
    status = request.GET.get("status", "open")
    if status == "open":
        requests = requests.exclude(status=RequestStatus.CLOSED)
    elif status in RequestStatus.values:
        requests = requests.filter(status=status)
    now = timezone.now()
    rows = [
        (
            item,
            item.status in {RequestStatus.NEW, RequestStatus.ASSIGNED} and item.callback_due < now,
        )
        for item in requests[:200]
    ]
    context = {
        "rows": rows,
        "status": status,
        "statuses": RequestStatus.choices,
        "overdue": requests.filter(selectors.overdue_condition(now)).count(),
        "can_manage": scope.may_manage_counselling(request.user),
    }
    return fragment_or_page(request, "counselling/request_list.html", "rows", context)


def _visible_request(request: HttpRequest, pk: int):
    _require_access(request)
    return get_visible_or_404(request, selectors.requests_visible_to(request.user), pk=pk)


@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _visible_request(request, pk)
    access_record(kind=AccessKind.COUNSELLING_VIEW, request=request, target=item)
    can = selectors.request_abilities(user=request.user, request=item)
    context = {
        "item": item,
        "can": can,
        "overdue": item.status in {RequestStatus.NEW, RequestStatus.ASSIGNED}
        and item.callback_due < timezone.now(),
        "assign_form": AssignForm(counsellors=selectors.counsellors_for(item.organization))
        if can.assign
        else None,
        "close_form": CloseForm() if can.close else None,
    }
    return render(request, "counselling/request_detail.html", context)


@require_POST
def request_assign(request: HttpRequest, pk: int) -> HttpResponse:
    item = _visible_request(request, pk)
    if request.POST.get("take"):
        counsellor = request.user
    else:
        form = AssignForm(request.POST, counsellors=selectors.counsellors_for(item.organization))
        if not form.is_valid():
            messages.error(request, _("Choose a counsellor."))
            return redirect("counselling_request", pk=item.pk)
        counsellor = form.cleaned_data["counsellor"]
    try:
        services.request_assign(request=item, counsellor=counsellor, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Assigned."))
    return redirect("counselling_request", pk=item.pk)


@require_POST
def request_called_back(request: HttpRequest, pk: int) -> HttpResponse:
    item = _visible_request(request, pk)
    services.request_mark_called_back(request=item, by=request.user)
    messages.success(request, _("Recorded as called back."))
    return redirect("counselling_request", pk=item.pk)


@require_POST
def request_close(request: HttpRequest, pk: int) -> HttpResponse:
    item = _visible_request(request, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("counselling_request", pk=item.pk)
    services.request_close(request=item, note=form.cleaned_data["note"], by=request.user)
    messages.success(request, _("The request is closed."))
    return redirect("counselling_request", pk=item.pk)


@require_http_methods(["GET", "POST"])
def duty_roster(request: HttpRequest) -> HttpResponse:
    _require_access(request)
    manage = scope.may_manage_counselling(request.user)
    slot_form = service_form = None
    if manage:
        counsellors = scope.counsellors_within(request.user)
        slot_form = SlotForm(
            request.POST if request.POST.get("form") == "slot" else None,
            services=selectors.services_offered(),
            counsellors=counsellors,
        )
        service_form = ServiceForm(
            request.POST if request.POST.get("form") == "service" else None,
            organizations=scope.organizations_administered_by(request.user),
        )
    if request.method == "POST":
        if not manage:
            raise PermissionDenied
        if request.POST.get("form") == "slot" and slot_form.is_valid():
            starts_at, ends_at = slot_form.moments()
            try:
                services.slot_create(
                    service=slot_form.cleaned_data["service"],
                    starts_at=starts_at,
                    ends_at=ends_at,
                    counsellors=list(slot_form.cleaned_data["counsellors"]),
                    capacity=slot_form.cleaned_data["capacity"],
                    by=request.user,
                )
            except ValidationError as error:
                slot_form.add_error(None, error)
            else:
                messages.success(request, _("The duty slot has been added."))
                return redirect("counselling_roster")
        elif request.POST.get("form") == "service" and service_form.is_valid():
            services.service_create(**service_form.cleaned_data, by=request.user)
            messages.success(request, _("The service has been added."))
            return redirect("counselling_roster")
    context = {
        "slots": selectors.roster(timezone.localdate()),
        "services": selectors.services_offered(),
        "slot_form": slot_form,
        "service_form": service_form,
    }
    return render(request, "counselling/roster.html", context)
