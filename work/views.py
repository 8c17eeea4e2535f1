import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from audit.services import client_ip, get_visible_or_404
from common.htmx import fragment_or_page, wants_fragment
from common.ratelimit import address_flooding, mobile_flooding
from federation import scope
from federation.models import OrganizationKind
from members.picker import MemberPickers
from members.selectors import DirectoryQuery, member_directory, members_visible_to
from work import selectors, services
from work.forms import (
    ActivityForm,
    AttendeeAddForm,
    CheckinForm,
    DeedForm,
    DonationForm,
    JobFilledForm,
    JobForm,
)
from work.models import DeedStatus

CHECKIN_RATE_ADDRESS = "60/h"  # a venue's Wi-Fi puts everyone behind one address
CHECKIN_RATE_MOBILE = "5/h"
LIST_LIMIT = 200


def _year(request: HttpRequest) -> int:
    value = request.GET.get("year", "")
    if len(value) == 4 and value.isascii() and value.isdigit() and 2000 <= int(value) <= 2100:
        return int(value)
    return timezone.localdate().year


def _recordable(request: HttpRequest):
    organizations = selectors.organizations_for_recording(request.user)
    if not organizations.exists():
        raise PermissionDenied
    return organizations


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=6, border=2)


def _go(request: HttpRequest, name: str, **kwargs) -> HttpResponse:
    """After a form's success: a full page load, also when htmx posted the form."""
    url = reverse(name, kwargs=kwargs or None)
    if wants_fragment(request):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _form_page(request: HttpRequest, form, title: str, back: str) -> HttpResponse:
    context = {"form": form, "title": title, "back": reverse(back)}
    return _render_form(request, context)


def _render_form(request: HttpRequest, context: dict) -> HttpResponse:
    form = context["form"]
    if isinstance(form, MemberPickers):
        # Each member picker with the members already chosen in it, shown as chips.
        chosen = form.chosen()
        context["pickers"] = [
            {"name": name, "chosen": chosen[name], "single": form.is_single(name)}
            for name in form.member_fields
        ]
    return fragment_or_page(request, "work/form.html", "form", context)


# --- Activities ---------------------------------------------------------------------------


@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    activities = (
        selectors.activities_visible_to(request.user)
        .in_year(year)
        .annotate(attendee_count=Count("attendances"))
        # Explicit: Meta.ordering does not apply to a query with GROUP BY.
        .order_by("-starts_at", "pk")
    )
    kind = request.GET.get("kind", "")
    if kind:
        activities = activities.filter(kind=kind[:20])
    context = {
        "activities": activities[:LIST_LIMIT],
        "year": year,
        "kind": kind,
        "can_record": scope.has_editing_role(request.user),
    }
    return fragment_or_page(request, "work/activity_list.html", "rows", context)


@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest) -> HttpResponse:
    organizations = _recordable(request)
    homes = scope.organizations_visible_to(request.user).filter(
        kind__in=[OrganizationKind.WOMENS_HOME, OrganizationKind.MICRO_HOME]
    )
    form = ActivityForm(request.POST or None, organizations=organizations, homes=homes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        starts_at, ends_at = form.moments()
        try:
            created = services.activity_create(
                organization=data["organization"],
                kind=data["kind"],
                title=data["title"],
                starts_at=starts_at,
                ends_at=ends_at,
                venue_home=data["venue_home"],
                venue_address=data["venue_address"],
                capacity=data["capacity"],
                description=data["description"],
                certifies=data["certifies"],
                repeat_weekly=data["repeat_weekly"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The activity has been created."))
            return _go(request, "activity_detail", pk=created[0].pk)
    return _form_page(request, form, _("New activity"), "activity_list")


def _activity(request: HttpRequest, pk: int):
    return get_visible_or_404(request, selectors.activities_visible_to(request.user), pk=pk)


def _detail_context(request: HttpRequest, activity) -> dict:
    can_record = scope.may_record_work_of(request.user, activity.organization)
    checkin_url = request.build_absolute_uri(
        reverse("activity_checkin", args=[activity.checkin_token])
    )
    return {
        "activity": activity,
        "attendances": selectors.activity_attendances(activity),
        "counts": selectors.activity_counts(activity),
        "can_record": can_record,
        "checkin_state": selectors.checkin_state(activity),
        "checkin_url": checkin_url if can_record else "",
        "qr": qr_data_uri(checkin_url) if can_record else "",
    }


@require_GET
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    return render(request, "work/activity_detail.html", _detail_context(request, activity))


@require_GET
def activity_member_search(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    if not scope.may_record_work_of(request.user, activity.organization):
        raise PermissionDenied
    text = request.GET.get("q", "")[:50]
    results = member_directory(user=request.user, query=DirectoryQuery(q=text))[:20] if text else []
    # A reload or a link opened anew: the whole activity page, with the results in it.
    context = {} if wants_fragment(request) else _detail_context(request, activity)
    context.update(activity=activity, results=results, q=text)
    return fragment_or_page(request, "work/activity_detail.html", "search_results", context)


@require_POST
def activity_attendee_add(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    if not scope.may_record_work_of(request.user, activity.organization):
        raise PermissionDenied
    form = AttendeeAddForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choose a member from the list."), status=400)
    member = get_visible_or_404(
        request, members_visible_to(request.user), pk=form.cleaned_data["member"]
    )
    try:
        services.attendance_add(
            activity=activity,
            member=member,
            children=form.cleaned_data["children"] or 0,
            by=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s has been added.") % {"name": member.name})
    return redirect("activity_detail", pk=activity.pk)


@require_POST
def activity_attendee_remove(request: HttpRequest, pk: int, attendance_id: int) -> HttpResponse:
    activity = _activity(request, pk)
    attendance = get_object_or_404(activity.attendances.all(), pk=attendance_id)
    services.attendance_remove(attendance=attendance, by=request.user)
    messages.success(request, _("The attendee has been removed."))
    return redirect("activity_detail", pk=activity.pk)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def activity_checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The page behind the QR code at the venue: no login, one activity, its day only."""
    activity = get_object_or_404(
        selectors.Activity.objects.select_related("organization", "venue_home"),
        checkin_token=token[:32],
    )
    state = selectors.checkin_state(activity)
    form = CheckinForm(request.POST or None)
    status = 200
    context = {"activity": activity, "state": state, "form": form}
    if request.method == "POST" and state == "open":
        if address_flooding(
            request, group="checkin", address=client_ip(request), rate=CHECKIN_RATE_ADDRESS
        ):
            context["refused"] = _("Too many check-ins from this network. Please wait a while.")
            return render(request, "work/checkin.html", context, status=429)
        if form.is_valid() and not form.is_bot():
            data = form.cleaned_data
            if mobile_flooding(
                request, group="checkin", mobile=data["mobile"], rate=CHECKIN_RATE_MOBILE
            ):
                context["refused"] = _("Too many check-ins with this mobile. Please wait a while.")
                return render(request, "work/checkin.html", context, status=429)
            try:
                attendance, again = services.attendance_check_in(
                    activity=activity,
                    name=data["name"].strip(),
                    mobile=data["mobile"],
                    children=data["children"] or 0,
                )
            except ValidationError as error:
                form.add_error(None, error)
                status = 400
            else:
                context.update(done=True, again=again, as_member=attendance.member_id is not None)
        elif form.is_valid():  # the honeypot: answer as if done, keep nothing
            context.update(done=True, again=False, as_member=False)
        else:
            status = 400
    return render(request, "work/checkin.html", context, status=status)


# --- Practical deeds ----------------------------------------------------------------------


@require_GET
def deed_list(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    deeds = selectors.deeds_visible_to(request.user).filter(done_on__year=year)
    context = {
        "deeds": deeds[:LIST_LIMIT],
        "year": year,
        "can_record": scope.has_editing_role(request.user),
    }
    return fragment_or_page(request, "work/deed_list.html", "rows", context)


@require_http_methods(["GET", "POST"])
def deed_create(request: HttpRequest) -> HttpResponse:
    form = DeedForm(
        request.POST or None,
        organizations=_recordable(request),
        members=members_visible_to(request.user),
        initial={"done_on": timezone.localdate(), "status": DeedStatus.OPEN},
    )
    if request.method == "POST" and form.is_valid():
        services.deed_record(**form.cleaned_data, by=request.user)
        messages.success(request, _("The practical deed has been recorded."))
        return _go(request, "deed_list")
    return _form_page(request, form, _("Record a practical deed"), "deed_list")


@require_POST
def deed_done(request: HttpRequest, pk: int) -> HttpResponse:
    deed = get_visible_or_404(request, selectors.deeds_visible_to(request.user), pk=pk)
    services.deed_mark_done(deed=deed, by=request.user)
    messages.success(request, _("Marked as done."))
    return redirect("deed_list")


# --- Jobs ---------------------------------------------------------------------------------


@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    jobs = selectors.jobs_visible_to(request.user).filter(posted_on__year=year)
    context = {
        "jobs": jobs[:LIST_LIMIT],
        "year": year,
        "can_record": scope.has_editing_role(request.user),
        "public_url": request.build_absolute_uri(reverse("jobs_public")),
    }
    return fragment_or_page(request, "work/job_list.html", "rows", context)


@require_http_methods(["GET", "POST"])
def job_create(request: HttpRequest) -> HttpResponse:
    organizations = _recordable(request)
    form = JobForm(
        request.POST or None,
        organizations=organizations,
        initial={"posted_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        organization = data.pop("organization")
        try:
            services.job_post(organization=organization, by=request.user, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The job posting has been published."))
            return _go(request, "job_list")
    return _form_page(request, form, _("New job posting"), "job_list")


@require_POST
def job_filled(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_visible_or_404(request, selectors.jobs_visible_to(request.user), pk=pk)
    form = JobFilledForm(request.POST)
    if form.is_valid():
        try:
            services.job_set_filled(job=job, filled=form.cleaned_data["filled"], by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Enter the number of positions filled."))
    return redirect("job_list")


@login_not_required
@require_GET
def jobs_public(request: HttpRequest) -> HttpResponse:
    """The open postings, for anyone: the link the federation shares in its WeChat groups."""
    return render(request, "work/jobs_public.html", {"jobs": selectors.open_jobs()[:LIST_LIMIT]})


# --- Donations ----------------------------------------------------------------------------


@require_GET
def donation_list(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    donations = selectors.donations_visible_to(request.user).filter(given_on__year=year)
    context = {
        "donations": donations[:LIST_LIMIT],
        "year": year,
        "can_record": scope.has_editing_role(request.user),
    }
    return fragment_or_page(request, "work/donation_list.html", "rows", context)


@require_http_methods(["GET", "POST"])
def donation_create(request: HttpRequest) -> HttpResponse:
    organizations = _recordable(request)
    form = DonationForm(
        request.POST or None,
        organizations=organizations,
        members=members_visible_to(request.user),
        initial={"given_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        services.donation_record(**form.cleaned_data, by=request.user)
        messages.success(request, _("The donation has been recorded."))
        return _go(request, "donation_list")
    return _form_page(request, form, _("Record a donation"), "donation_list")


# --- Corrections --------------------------------------------------------------------------


def _correctable(request: HttpRequest, records, pk: int):
    """A record she can see and whose organization's work she records; else 404 / 403."""
    record = get_visible_or_404(request, records, pk=pk)
    if not scope.may_record_work_of(request.user, record.organization):
        raise PermissionDenied
    return record


def _delete_page(
    request: HttpRequest, *, what: str, back: str, delete, done: str, done_to: str
) -> HttpResponse:
    """GET asks; POST deletes (a refusal, e.g. an attended activity, is shown on the page)."""
    error = ""
    if request.method == "POST":
        try:
            delete()
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            messages.success(request, done)
            return _go(request, done_to)
    context = {"what": what, "back": back, "error": error}
    return render(request, "work/confirm_delete.html", context, status=400 if error else 200)


@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _correctable(request, selectors.activities_visible_to(request.user), pk)
    homes = scope.organizations_visible_to(request.user).filter(
        kind__in=[OrganizationKind.WOMENS_HOME, OrganizationKind.MICRO_HOME]
    )
    form = ActivityForm(
        request.POST or None,
        organizations=_recordable(request),
        homes=homes,
        editing=True,
        initial=ActivityForm.initial_of(activity),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        for name in ("day", "start", "end"):
            data.pop(name)
        starts_at, ends_at = form.moments()
        try:
            services.activity_update(
                activity=activity, by=request.user, starts_at=starts_at, ends_at=ends_at, **data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return _go(request, "activity_detail", pk=activity.pk)
    context = {
        "form": form,
        "title": _("Correct the activity"),
        "back": reverse("activity_detail", args=[activity.pk]),
        "delete_url": reverse("activity_delete", args=[activity.pk]),
    }
    return fragment_or_page(request, "work/form.html", "form", context)


@require_http_methods(["GET", "POST"])
def activity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _correctable(request, selectors.activities_visible_to(request.user), pk)
    return _delete_page(
        request,
        what=_("the activity “%(title)s” on %(day)s")
        % {"title": activity.title, "day": timezone.localtime(activity.starts_at).date()},
        back=reverse("activity_detail", args=[activity.pk]),
        delete=lambda: services.activity_delete(activity=activity, by=request.user),
        done=_("The activity has been deleted."),
        done_to="activity_list",
    )


@require_http_methods(["GET", "POST"])
def deed_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deed = _correctable(request, selectors.deeds_visible_to(request.user), pk)
    form = DeedForm(
        request.POST or None,
        organizations=_recordable(request),
        members=members_visible_to(request.user),
        initial={
            "organization": deed.organization,
            "title": deed.title,
            "done_on": deed.done_on,
            "responsible": deed.responsible,
            "beneficiaries": list(deed.beneficiaries.all()),
            "beneficiary_count": deed.beneficiary_count,
            "status": deed.status,
            "evidence": deed.evidence,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.deed_update(deed=deed, by=request.user, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return _go(request, "deed_list")
    return _edit_page(
        request, form, _("Correct the practical deed"), "deed_list", "deed_delete", deed
    )


@require_http_methods(["GET", "POST"])
def deed_delete(request: HttpRequest, pk: int) -> HttpResponse:
    deed = _correctable(request, selectors.deeds_visible_to(request.user), pk)
    return _delete_page(
        request,
        what=_("the practical deed “%(title)s”") % {"title": deed.title},
        back=reverse("deed_list"),
        delete=lambda: services.deed_delete(deed=deed, by=request.user),
        done=_("The practical deed has been deleted."),
        done_to="deed_list",
    )


@require_http_methods(["GET", "POST"])
def job_edit(request: HttpRequest, pk: int) -> HttpResponse:
    job = _correctable(request, selectors.jobs_visible_to(request.user), pk)
    form = JobForm(request.POST or None, instance=job, organizations=_recordable(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        organization = data.pop("organization")
        try:
            services.job_update(job=job, organization=organization, by=request.user, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return _go(request, "job_list")
    return _edit_page(request, form, _("Correct the job posting"), "job_list", "job_delete", job)


@require_http_methods(["GET", "POST"])
def job_delete(request: HttpRequest, pk: int) -> HttpResponse:
    job = _correctable(request, selectors.jobs_visible_to(request.user), pk)
    return _delete_page(
        request,
        what=_("the job posting %(position)s at %(employer)s")
        % {"position": job.position, "employer": job.employer},
        back=reverse("job_list"),
        delete=lambda: services.job_delete(job=job, by=request.user),
        done=_("The job posting has been deleted."),
        done_to="job_list",
    )


@require_http_methods(["GET", "POST"])
def donation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    donation = _correctable(request, selectors.donations_visible_to(request.user), pk)
    form = DonationForm(
        request.POST or None,
        instance=donation,
        organizations=_recordable(request),
        members=members_visible_to(request.user),
        initial={"recipients": list(donation.recipients.all())},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        organization = data.pop("organization")
        try:
            services.donation_update(
                donation=donation, organization=organization, by=request.user, **data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return _go(request, "donation_list")
    return _edit_page(
        request, form, _("Correct the donation"), "donation_list", "donation_delete", donation
    )


@require_http_methods(["GET", "POST"])
def donation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    donation = _correctable(request, selectors.donations_visible_to(request.user), pk)
    return _delete_page(
        request,
        what=_("the donation from %(donor)s on %(day)s")
        % {"donor": donation.donor, "day": donation.given_on},
        back=reverse("donation_list"),
        delete=lambda: services.donation_delete(donation=donation, by=request.user),
        done=_("The donation has been deleted."),
        done_to="donation_list",
    )


def _edit_page(request, form, title: str, back: str, delete: str, record) -> HttpResponse:
    context = {
        "form": form,
        "title": title,
        "back": reverse(back),
        "delete_url": reverse(delete, args=[record.pk]),
    }
    return _render_form(request, context)
