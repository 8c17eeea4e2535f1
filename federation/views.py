from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from audit.services import get_visible_or_404
from federation import selectors, services
from federation.forms import (
    ElectionForm,
    LoginCreateForm,
    OfficeAddForm,
    OfficeEndForm,
    OfficeReplaceForm,
    RoleGrantForm,
)
from federation.models import Organization


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    roles = selectors.user_roles(request.user)
    year = timezone.localdate().year
    coverage = []
    # The coverage rate (组建率) of the highest federation the user works for, if it has targets.
    for grant in sorted(roles, key=lambda grant: grant.organization.depth):
        rows = selectors.coverage_rates(organization=grant.organization, year=year)
        if any(row["expected"] for row in rows):
            coverage = rows
            break
    context = {
        "counts": selectors.dashboard_counts(request.user),
        "roles": roles,
        "coverage": coverage,
        "year": year,
    }
    return render(request, "federation/dashboard.html", context)


@require_GET
def organization_tree(request: HttpRequest) -> HttpResponse:
    parent = None
    parent_id = request.GET.get("parent")
    if parent_id:
        if not parent_id.isdigit():
            return HttpResponse(status=400)
        parent = get_visible_or_404(
            request, selectors.organizations_visible_to(request.user), pk=parent_id
        )
    nodes = selectors.organization_children(user=request.user, parent=parent)
    context = {"nodes": nodes, "parent": parent}
    if request.htmx and parent is not None:
        return render(request, "federation/organization_tree.html#children", context)
    return render(request, "federation/organization_tree.html", context)


@require_GET
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_visible_or_404(
        request, selectors.organizations_visible_to(request.user).select_related("parent"), pk=pk
    )
    history = selectors.organization_officer_history(organization)
    children = list(selectors.organization_children(user=request.user, parent=organization))
    context = {
        "organization": organization,
        "officers": history.sitting,
        "history": history,
        "member_count": selectors.organization_member_count(organization),
        "homes": [child for child in children if child.kind in selectors.HOME_KINDS],
        "children": [child for child in children if child.kind not in selectors.HOME_KINDS],
        "ancestors": selectors.organization_ancestors(user=request.user, organization=organization),
        "can": selectors.organization_abilities(user=request.user, organization=organization),
    }
    return render(request, "federation/organization_detail.html", context)


# --- Elections and officers ------------------------------------------------------------------


def _administered_organization(request: HttpRequest, pk: int) -> Organization:
    """404 when she cannot even see the organization, 403 when she sees but does not
    administer it (recorded by the 403 handler)."""
    organization = get_visible_or_404(
        request, selectors.organizations_visible_to(request.user), pk=pk
    )
    if not selectors.organization_is_administered_by(user=request.user, organization=organization):
        raise PermissionDenied
    return organization


def _done(request: HttpRequest, organization: Organization, message: str) -> HttpResponse:
    messages.success(request, message)
    url = reverse("organization_detail", args=[organization.pk])
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _chosen(form: Form, members) -> dict[str, list]:
    """The members already chosen in each picker, to show again as chips after an error."""
    chosen: dict[str, list] = {}
    for name in getattr(form, "member_fields", ()):
        value = form[name].value() or []
        ids = [str(pk) for pk in (value if isinstance(value, list) else [value])]
        by_pk = members.in_bulk([pk for pk in ids if pk.isdigit()])
        chosen[name] = [by_pk[int(pk)] for pk in ids if pk.isdigit() and int(pk) in by_pk]
    return chosen


def _render_form(request: HttpRequest, template: str, partial: str, context: dict) -> HttpResponse:
    context["chosen"] = _chosen(context["form"], context.get("members"))
    return render(request, f"{template}#{partial}" if request.htmx else template, context)


@require_http_methods(["GET", "POST"])
def organization_election(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _administered_organization(request, pk)
    members = selectors.members_eligible_for_office(user=request.user, organization=organization)
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
                return _done(
                    request,
                    organization,
                    _("Term %(number)s has begun.") % {"number": term.number},
                )
    else:
        form = ElectionForm(
            initial={
                "number": selectors.organization_next_term_number(organization),
                "starts_on": timezone.localdate(),
            },
            members=members,
        )
    context = {"organization": organization, "form": form, "members": members}
    return _render_form(request, "federation/election_form.html", "election", context)


@require_http_methods(["GET", "POST"])
def office_add(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _administered_organization(request, pk)
    members = selectors.members_eligible_for_office(user=request.user, organization=organization)
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
    return _render_form(request, "federation/office_form.html", "office", context)


@require_http_methods(["GET", "POST"])
def office_replace(request: HttpRequest, pk: int, office_id: int) -> HttpResponse:
    organization = _administered_organization(request, pk)
    office = get_object_or_404(selectors.organization_sitting_offices(organization), pk=office_id)
    members = selectors.members_eligible_for_office(user=request.user, organization=organization)
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
    return _render_form(request, "federation/office_form.html", "office", context)


@require_http_methods(["GET", "POST"])
def office_end(request: HttpRequest, pk: int, office_id: int) -> HttpResponse:
    organization = _administered_organization(request, pk)
    office = get_object_or_404(selectors.organization_sitting_offices(organization), pk=office_id)
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
    return _render_form(request, "federation/office_form.html", "office", context)


# --- The member picker -----------------------------------------------------------------------

PICKER_FIELDS = frozenset({"chair", "vice_chairs", "executives", "member"})
# Pickers that hold one person: a new choice replaces the chip instead of adding one.
SINGLE_PICKER_FIELDS = frozenset({"chair", "member"})


def _picker_field(request: HttpRequest) -> str:
    field = request.GET.get("field", "member")
    return field if field in PICKER_FIELDS else "member"


@require_GET
def member_search(request: HttpRequest, pk: int) -> HttpResponse:
    """Current members of the organization's subtree whom the user may see; masked mobiles."""
    organization = get_visible_or_404(
        request, selectors.organizations_visible_to(request.user), pk=pk
    )
    query = request.GET.get("q", "")[:50]
    field = _picker_field(request)
    context = {
        "organization": organization,
        "field": field,
        "single": field in SINGLE_PICKER_FIELDS,
        "q": query,
        "results": selectors.member_picker_search(
            user=request.user, organization=organization, text=query
        ),
    }
    if request.htmx:
        return render(request, "federation/member_picker.html#results", context)
    return render(request, "federation/member_picker.html", context)


@require_GET
def member_chip(request: HttpRequest, pk: int) -> HttpResponse:
    """One chosen member as a chip holding her hidden input (appended by the picker)."""
    organization = get_visible_or_404(
        request, selectors.organizations_visible_to(request.user), pk=pk
    )
    member_id = request.GET.get("member", "")
    if not member_id.isdigit():
        return HttpResponse(status=400)
    members = selectors.members_eligible_for_office(user=request.user, organization=organization)
    member = get_object_or_404(members, pk=member_id)
    context = {
        "organization": organization,
        "field": _picker_field(request),
        "member": member,
        # Clears the search results once she is chosen (an out-of-band swap).
        "oob": True,
    }
    if request.htmx:
        return render(request, "federation/member_picker.html#chip", context)
    return render(request, "federation/member_picker.html", {**context, "results": [member]})


@require_GET
def member_chip_remove(request: HttpRequest) -> HttpResponse:
    # htmx swaps the chip for this empty answer, which removes it: no script needed. The
    # address means nothing outside the picker, so a browser opening it gets a plain 400.
    if not request.htmx:
        return HttpResponse(status=400)
    return HttpResponse("")


# --- Logins ----------------------------------------------------------------------------------


def _logins_page(
    request: HttpRequest,
    organization: Organization,
    *,
    grant_form: RoleGrantForm | None = None,
    create_form: LoginCreateForm | None = None,
    new_login=None,
    temporary_password: str = "",
    notice: str = "",
    error: str = "",
) -> HttpResponse:
    roles = selectors.roles_grantable_by(user=request.user, organization=organization)
    context = {
        "organization": organization,
        "grants": selectors.organization_role_grants(organization),
        "grantable": roles,
        "grant_form": grant_form or RoleGrantForm(roles=roles),
        "create_form": create_form or LoginCreateForm(roles=roles),
        "new_login": new_login,
        "temporary_password": temporary_password,
        "notice": notice,
        "error": error,
    }
    if request.htmx:
        return render(request, "federation/organization_logins.html#logins", context)
    return render(request, "federation/organization_logins.html", context)


def _logins_done(request: HttpRequest, organization: Organization, notice: str) -> HttpResponse:
    if request.htmx:
        return _logins_page(request, organization, notice=notice)
    messages.success(request, notice)
    return redirect("organization_logins", pk=organization.pk)


@require_http_methods(["GET", "POST"])
def organization_logins(request: HttpRequest, pk: int) -> HttpResponse:
    """The role grants on this organization; POST grants a role to an existing login."""
    organization = _administered_organization(request, pk)
    if request.method == "GET":
        return _logins_page(request, organization)
    roles = selectors.roles_grantable_by(user=request.user, organization=organization)
    form = RoleGrantForm(request.POST, roles=roles)
    if form.is_valid():
        try:
            services.role_grant_add(
                user=form.cleaned_data["username"],
                role=form.cleaned_data["role"],
                organization=organization,
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _logins_done(request, organization, _("The role has been granted."))
    return _logins_page(request, organization, grant_form=form)


@never_cache
@require_POST
def login_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new login with a role here; the answer shows its temporary password once."""
    organization = _administered_organization(request, pk)
    roles = selectors.roles_grantable_by(user=request.user, organization=organization)
    form = LoginCreateForm(request.POST, roles=roles)
    if form.is_valid():
        try:
            user, password = services.login_create(
                **form.cleaned_data, organization=organization, by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # Rendered, not redirected: the password must not travel through the session.
            return _logins_page(request, organization, new_login=user, temporary_password=password)
    return _logins_page(request, organization, create_form=form)


@require_POST
def role_grant_revoke(request: HttpRequest, pk: int, grant_id: int) -> HttpResponse:
    organization = _administered_organization(request, pk)
    grant = get_object_or_404(selectors.organization_role_grants(organization), pk=grant_id)
    try:
        services.role_grant_revoke(grant=grant, by=request.user)
    except ValidationError as error:
        return _logins_page(request, organization, error=" ".join(error.messages))
    return _logins_done(request, organization, _("The role has been revoked."))
