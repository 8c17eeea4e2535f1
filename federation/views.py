from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.forms import AccessSearchForm
from audit.selectors import access_events_search
from audit.services import get_visible_or_404
from common.htmx import fragment_or_page, wants_fragment
from common.parsing import id_or_400
from federation import choices, scope, selectors, services
from federation.forms import LoginCreateForm, OrganizationListForm, RoleGrantForm
from federation.models import Organization

ACCESS_LOG_PAGE_SIZE = 50
ORGANIZATION_PAGE_SIZE = 50


@require_GET
def organization_tree(request: HttpRequest) -> HttpResponse:
    parent = None
    parent_id = request.GET.get("parent")
    if parent_id:
        parent_id = id_or_400(parent_id)
        parent = get_visible_or_404(
            request, scope.organizations_visible_to(request.user), pk=parent_id
        )
    if parent is None:
        nodes = selectors.organization_tree_opened(user=request.user)
    else:
        nodes = selectors.organization_children(user=request.user, parent=parent)
    context = {"nodes": nodes, "parent": parent}
    return fragment_or_page(request, "federation/organization_tree.html", "children", context)


@require_GET
def organization_list(request: HttpRequest) -> HttpResponse:
    """Every organization she may see, as a list to search and filter (kind, 三新 category,
    how it was established, site rating, within an organization); the yearly statistics link
    each organization figure here."""
    visible = choices.visible_organization_choices(request.user)
    form = OrganizationListForm(request.GET, organizations=visible)
    if form.is_valid():
        query = form.query()
        organizations = selectors.organization_list(user=request.user, query=query)
    else:
        # Filters she did not mean (a stale or edited link) list nothing rather than more.
        query = None
        organizations = Organization.objects.none()
    page = Paginator(organizations, ORGANIZATION_PAGE_SIZE).get_page(request.GET.get("page"))
    names = dict(visible)
    for organization in page:
        # The parent is named only when she may see it (a chair does not see the cluster).
        organization.visible_parent = (
            organization.parent if organization.parent_id in names else None
        )
    params = request.GET.copy()
    params.pop("page", None)
    sort_params = params.copy()
    sort_params.pop("sort", None)
    from_statistics = _statistics_filters(query, names)
    if from_statistics:
        # The figure's other filters too, so that the notice alone says what is listed.
        from_statistics = [*_shown_filters(form), *from_statistics]
    context = {
        "form": form,
        "page": page,
        "query": params.urlencode(),
        "sort_query": sort_params.urlencode(),
        "sort": query.sort if query else "name",
        "from_statistics": from_statistics,
        # Opened when she filtered; closed when she came from a figure, so that on a phone
        # the notice and the organizations come first.
        "filters_active": not from_statistics
        and any(value for key, value in request.GET.items() if key not in {"q", "sort", "page"}),
    }
    return fragment_or_page(request, "federation/organization_list.html", "results", context)


def _shown_filters(form: OrganizationListForm) -> list[str]:
    """The form's chosen filters as "label: choice" (for the statistics' notice)."""
    said = []
    for name in ("kind", "category", "method", "rating"):
        value = form.cleaned_data.get(name)
        if value:
            choice = dict(form.fields[name].choices)[value]
            said.append(
                _("%(filter)s: %(choice)s") % {"filter": form.fields[name].label, "choice": choice}
            )
    return said


def _statistics_filters(query, names: dict[int, str]) -> list[str]:
    """The filters a statistics link carries that the form does not show, in words."""
    if query is None:
        return []
    said = []
    if query.on is not None:
        said.append(_("existing on %(day)s") % {"day": query.on.isoformat()})
    if query.established_by is not None:
        said.append(
            _("established on or before %(day)s") % {"day": query.established_by.isoformat()}
        )
    if query.rated_by is not None:
        said.append(_("rating as it stood at the end of %(year)s") % {"year": query.rated_by})
    if query.below and query.organization in names:
        said.append(_("under %(name)s, not itself") % {"name": names[query.organization]})
    if query.parent is not None:
        if query.parent in names:
            said.append(_("directly under %(name)s") % {"name": names[query.parent]})
        else:
            said.append(_("directly under one organization"))
    return said


@require_GET
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_visible_or_404(
        request, scope.organizations_visible_to(request.user).select_related("parent"), pk=pk
    )
    can = scope.organization_abilities(user=request.user, organization=organization)
    children = list(selectors.organization_children(user=request.user, parent=organization))
    context = {
        "organization": organization,
        # Officers are people: only for those who may read the roster.
        "history": selectors.organization_officer_history(organization)
        if can.read_roster
        else None,
        "member_count": selectors.organization_member_count(organization),
        "homes": [child for child in children if child.kind in scope.HOME_KINDS],
        "children": [child for child in children if child.kind not in scope.HOME_KINDS],
        "ancestors": selectors.organization_ancestors(user=request.user, organization=organization),
        "can": can,
    }
    return render(request, "federation/organization_detail.html", context)


def administered_organization_or_404(request: HttpRequest, pk: int) -> Organization:
    """404 when she cannot even see the organization, 403 when she sees but does not
    administer it (recorded by the 403 handler)."""
    organization = get_visible_or_404(request, scope.organizations_visible_to(request.user), pk=pk)
    if not scope.may_administer(request.user, organization):
        raise PermissionDenied
    return organization


# --- Logins ----------------------------------------------------------------------------------


def _logins_page(
    request: HttpRequest,
    organization: Organization,
    *,
    grant_form: RoleGrantForm | None = None,
    create_form: LoginCreateForm | None = None,
    new_login=None,
    reset_login=None,
    temporary_password: str = "",
    notice: str = "",
    error: str = "",
) -> HttpResponse:
    roles = scope.roles_grantable_by(user=request.user, organization=organization)
    grants = list(scope.organization_role_grants(organization))
    for grant in grants:
        grant.can = scope.login_abilities(user=request.user, login=grant.user)
    context = {
        "organization": organization,
        "grants": grants,
        "grantable": roles,
        "revocable": scope.roles_revocable_by(user=request.user, organization=organization),
        "reset_login": reset_login,
        "grant_form": grant_form or RoleGrantForm(roles=roles),
        "create_form": create_form or LoginCreateForm(roles=roles),
        "new_login": new_login,
        "temporary_password": temporary_password,
        "notice": notice,
        "error": error,
    }
    return fragment_or_page(request, "federation/organization_logins.html", "logins", context)


def _logins_done(request: HttpRequest, organization: Organization, notice: str) -> HttpResponse:
    if wants_fragment(request):
        return _logins_page(request, organization, notice=notice)
    messages.success(request, notice)
    return redirect("organization_logins", pk=organization.pk)


@require_http_methods(["GET", "POST"])
def organization_logins(request: HttpRequest, pk: int) -> HttpResponse:
    """The role grants on this organization; POST grants a role to an existing login."""
    organization = administered_organization_or_404(request, pk)
    if request.method == "GET":
        return _logins_page(request, organization)
    roles = scope.roles_grantable_by(user=request.user, organization=organization)
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
    organization = administered_organization_or_404(request, pk)
    roles = scope.roles_grantable_by(user=request.user, organization=organization)
    form = LoginCreateForm(request.POST, roles=roles)
    if form.is_valid():
        try:
            user, password = services.login_create(
                **form.cleaned_data, organization=organization, by=request.user, request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # Rendered, not redirected: the password must not travel through the session.
            return _logins_page(request, organization, new_login=user, temporary_password=password)
    return _logins_page(request, organization, create_form=form)


@require_POST
def role_grant_revoke(request: HttpRequest, pk: int, grant_id: int) -> HttpResponse:
    organization = administered_organization_or_404(request, pk)
    grant = get_object_or_404(scope.organization_role_grants(organization), pk=grant_id)
    try:
        services.role_grant_revoke(grant=grant, by=request.user)
    except ValidationError as error:
        return _logins_page(request, organization, error=" ".join(error.messages))
    return _logins_done(request, organization, _("The role has been revoked."))


def _login_of_grant(request: HttpRequest, organization: Organization, grant_id: int):
    grant = get_object_or_404(
        scope.organization_role_grants(organization).select_related("user"), pk=grant_id
    )
    return grant.user


@never_cache
@require_POST
def login_deactivate(request: HttpRequest, pk: int, grant_id: int) -> HttpResponse:
    """Deactivate the login holding this role (she ends her work here); sessions end."""
    organization = administered_organization_or_404(request, pk)
    login = _login_of_grant(request, organization, grant_id)
    services.login_deactivate(login=login, by=request.user, request=request)
    return _logins_done(
        request,
        organization,
        _("The login %(user)s is deactivated; her sessions have ended.")
        % {"user": login.get_username()},
    )


@never_cache
@require_POST
def login_password_reset(request: HttpRequest, pk: int, grant_id: int) -> HttpResponse:
    """A temporary password for the login holding this role, shown once on this answer."""
    organization = administered_organization_or_404(request, pk)
    login = _login_of_grant(request, organization, grant_id)
    password = services.login_password_reset(login=login, by=request.user, request=request)
    # Rendered, not redirected: the password must not travel through the session.
    return _logins_page(request, organization, reset_login=login, temporary_password=password)


# --- Access records ----------------------------------------------------------------------------


@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    if not scope.can_read_access_log(request.user):
        raise PermissionDenied
    form = AccessSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = access_events_search(**filters)
    page = Paginator(events, ACCESS_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return fragment_or_page(request, "audit/access_log.html", "results", context)
