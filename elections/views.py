from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from common.htmx import fragment_or_page, wants_fragment
from elections import selectors, services
from elections.forms import ElectionForm, OfficeAddForm, OfficeEndForm, OfficeReplaceForm
from federation import services as federation_services
from federation.forms import LoginCreateForm
from federation.models import Organization
from federation.selectors import organization_next_term_number, organization_sitting_offices
from federation.views import administered_organization_or_404 as _administered_organization
from members.picker import MemberPickers, current_members_under


def _done(request: HttpRequest, organization: Organization, message: str) -> HttpResponse:
    messages.success(request, message)
    url = reverse("organization_detail", args=[organization.pk])
    if wants_fragment(request):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _render_form(request: HttpRequest, template: str, partial: str, context: dict) -> HttpResponse:
    form = context["form"]
    context["chosen"] = form.chosen() if isinstance(form, MemberPickers) else {}
    return fragment_or_page(request, template, partial, context)


@require_http_methods(["GET", "POST"])
def organization_election(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _administered_organization(request, pk)
    members = current_members_under(user=request.user, organization=organization)
    if request.method == "POST":
        form = ElectionForm(request.POST, members=members)
        if form.is_valid():
            data = form.cleaned_data
            try:
                term = services.election_hold(
                    organization=organization,
                    number=data["number"],
                    starts_on=data["starts_on"],
                    chair=data["chair"],
                    vice_chairs=data["vice_chairs"],
                    executives=data["executives"],
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                # Next in the same flow: the logins of those who left office and of the
                # incoming officers.
                messages.success(request, _("Term %(number)s has begun.") % {"number": term.number})
                url = reverse("organization_election_logins", args=[organization.pk])
                if wants_fragment(request):
                    return HttpResponseClientRedirect(url)
                return redirect(url)
    else:
        form = ElectionForm(
            initial={
                "number": organization_next_term_number(organization),
                "starts_on": timezone.localdate(),
            },
            members=members,
        )
    context = {"organization": organization, "form": form, "members": members}
    return _render_form(request, "elections/election_form.html", "election", context)


@require_http_methods(["GET", "POST"])
def office_add(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _administered_organization(request, pk)
    members = current_members_under(user=request.user, organization=organization)
    if request.method == "POST":
        form = OfficeAddForm(request.POST, members=members)
        if form.is_valid():
            try:
                services.office_add(organization=organization, **form.cleaned_data, by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return _done(request, organization, _("The officer has been added."))
    else:
        form = OfficeAddForm(initial={"starts_on": timezone.localdate()}, members=members)
    context = {"organization": organization, "form": form, "members": members, "mode": "add"}
    return _render_form(request, "elections/office_form.html", "office", context)


@require_http_methods(["GET", "POST"])
def office_replace(request: HttpRequest, pk: int, office_id: int) -> HttpResponse:
    organization = _administered_organization(request, pk)
    office = get_object_or_404(organization_sitting_offices(organization), pk=office_id)
    members = current_members_under(user=request.user, organization=organization)
    if request.method == "POST":
        form = OfficeReplaceForm(request.POST, members=members)
        if form.is_valid():
            try:
                services.office_replace(office=office, **form.cleaned_data, by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return _done(request, organization, _("The officer has been replaced."))
    else:
        form = OfficeReplaceForm(initial={"starts_on": timezone.localdate()}, members=members)
    context = {
        "organization": organization,
        "office": office,
        "form": form,
        "members": members,
        "mode": "replace",
    }
    return _render_form(request, "elections/office_form.html", "office", context)


@require_http_methods(["GET", "POST"])
def office_end(request: HttpRequest, pk: int, office_id: int) -> HttpResponse:
    organization = _administered_organization(request, pk)
    office = get_object_or_404(organization_sitting_offices(organization), pk=office_id)
    if request.method == "POST":
        form = OfficeEndForm(request.POST)
        if form.is_valid():
            try:
                services.office_end(office=office, **form.cleaned_data, by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return _done(request, organization, _("The office has ended."))
    else:
        form = OfficeEndForm(initial={"ends_on": timezone.localdate()})
    context = {"organization": organization, "office": office, "form": form, "mode": "end"}
    return _render_form(request, "elections/office_form.html", "office", context)


@never_cache
@require_http_methods(["GET", "POST"])
def organization_election_logins(request: HttpRequest, pk: int) -> HttpResponse:
    """After an election: revoke the roles of officers who left office, create logins for
    the incoming chair and vice-chairs. Temporary passwords are shown once, on this answer."""
    organization = _administered_organization(request, pk)
    plan = selectors.election_logins(user=request.user, organization=organization)
    created, errors = [], []
    if request.method == "POST":
        revoke = set(request.POST.getlist("revoke"))
        for grant in plan.outgoing:
            if str(grant.pk) in revoke:
                try:
                    federation_services.role_grant_revoke(grant=grant, by=request.user)
                except ValidationError as error:
                    errors.extend(error.messages)
        for office in plan.incoming:
            username = request.POST.get(f"username-{office.pk}", "").strip()
            if not username:
                continue
            form = LoginCreateForm(
                {"username": username, "full_name": office.member.name, "role": plan.role},
                roles=[plan.role],
            )
            if not form.is_valid():
                errors.extend(f"{office.member.name}: {e}" for e in form.errors.get("username", []))
                continue
            try:
                user, password = federation_services.login_create(
                    **form.cleaned_data, organization=organization, by=request.user, request=request
                )
            except ValidationError as error:
                errors.extend(f"{office.member.name}: {m}" for m in error.messages)
            else:
                created.append((office, user, password))
        plan = selectors.election_logins(user=request.user, organization=organization)
    context = {"organization": organization, "plan": plan, "created": created, "errors": errors}
    return render(request, "elections/election_logins.html", context)
