from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.services import get_visible_or_404
from federation import selectors


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        "counts": selectors.dashboard_counts(request.user),
        "roles": selectors.user_roles(request.user),
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
    context = {
        "organization": organization,
        "officers": selectors.organization_current_officers(organization),
        "member_count": selectors.organization_member_count(organization),
        "children": selectors.organization_children(user=request.user, parent=organization),
        "ancestors": selectors.organization_ancestors(user=request.user, organization=organization),
    }
    return render(request, "federation/organization_detail.html", context)
