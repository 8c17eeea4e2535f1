import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import AccessKind
from audit.services import access_record, get_visible_or_404
from common.htmx import fragment_or_page
from common.parsing import id_or_400
from federation import choices
from federation.models import Organization
from federation.scope import can_see_id_numbers, has_editing_role
from members import selectors, services
from members.choices import tag_choices
from members.forms import (
    BulkForm,
    DirectoryForm,
    LeaveForm,
    MemberCreatePlaceForm,
    MemberForm,
    TransferForm,
)
from members.models import Member, MemberStatus, TransferStatus, mask_id_number
from members.selectors import DirectoryQuery
from members.validators import ID_NUMBER_RE, MOBILE_RE, normalize_id_number, normalize_mobile

PAGE_SIZE = 50


class FirstPageFirst(Paginator):
    """Read page 1 with one row more than it shows, each row carrying the total (the kept
    count or a COUNT, selectors.directory_total): one query for the rows and the number
    found, where a page and its COUNT were two round trips.

    Another page needs the total first (to tell whether it exists): it is then read alone,
    on the first matching row, and the page from `plain_rows()`, the same rows without it
    (built only then: building a page's query costs about a millisecond).
    """

    def __init__(self, object_list, per_page, *, plain_rows):
        super().__init__(object_list, per_page)
        self.plain_rows = plain_rows

    @cached_property
    def count(self) -> int:
        first = list(self.object_list[:1])
        return first[0].total if first else 0

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        return self._get_page(self.plain_rows()[bottom:top], number, self)

    def get_page(self, number):
        if number not in (None, "", "1", 1):
            return super().get_page(number)
        head = list(self.object_list[: self.per_page + 1])
        # A page that is not full counts itself.
        self.__dict__["count"] = head[0].total if len(head) > self.per_page else len(head)
        return self._get_page(head[: self.per_page], 1, self)


def _form_errors_from(form, error: ValidationError) -> None:
    """Put a service's validation errors next to the fields the form shows."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- The directory ------------------------------------------------------------------------


@require_GET
def member_list(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    typed_number = request.headers.get("X-Directory-Search", "")
    if typed_number:
        # A mobile or ID number searched from the page: sent in a header, kept out of URLs.
        data["q"] = typed_number
    form = _directory_form(request, data or None)
    query = form.query()
    members = selectors.member_directory(user=request.user, query=query)
    total = selectors.directory_total(user=request.user, query=query, members=members)
    paginator = FirstPageFirst(
        selectors.directory_page(members, total=total),
        PAGE_SIZE,
        plain_rows=lambda: selectors.directory_page(members),
    )
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()  # without a typed number: links never carry one
    params.pop("page", None)
    sort_params = params.copy()
    sort_params.pop("sort", None)
    context = {
        "form": form,
        "page": page,
        "query": params.urlencode(),
        "sort_query": sort_params.urlencode(),
        "sort": query.sort,
        "filters_active": any(
            value for key, value in data.items() if key not in {"q", "sort", "page", "status"}
        ),
        "can_change": has_editing_role(request.user),
        "can_see_id_numbers": can_see_id_numbers(request.user),
        # Only the whole page shows the bulk form (a fragment never builds it).
        "bulk": SimpleLazyObject(
            lambda: BulkForm(homes=choices.changeable_home_choices(request.user))
        ),
        "tags": tag_choices(),
    }
    return fragment_or_page(request, "members/member_list.html", "results", context)


@require_POST
def member_bulk(request: HttpRequest) -> HttpResponse:
    form = BulkForm(request.POST, homes=choices.changeable_home_choices(request.user))
    back = reverse("member_list") + "?" + request.POST.get("query", "")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    data = form.cleaned_data
    query = DirectoryQuery()
    expected = None
    if data["everything"]:
        # "Everything matching" acts on what the page showed: a search or filter the
        # directory refuses (another market, too long a search) refuses the action, instead
        # of being dropped and leaving "everything" to mean all her members.
        directory = _directory_form(request, QueryDict(request.POST.get("query", "")))
        if not directory.is_valid():
            messages.error(request, _("The search or filters are not valid: nothing was changed."))
            return redirect(back)
        query = directory.query()
        expected = data["expected"]
    chosen = selectors.members_from_selection(
        user=request.user,
        ids=data["ids"],
        everything=data["everything"],
        query=query,
        changeable=True,
    )
    action = data["action"]
    if data["everything"] and request.POST.get("confirmed") != "1":
        # "Everything matching" can be hundreds of women: say how many, and ask first. The
        # number she saw on the list must still be the number matching (issue 8); the one
        # she confirms here travels on as the number the action must act on.
        try:
            count = services.members_bulk_count(members=chosen, by=request.user, expected=expected)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(back)
        context = {
            "count": count,
            "action_label": dict(form.fields["action"].choices)[action],
            "posted": [
                (key, value)
                for key in ("action", "everything", "query", "tag", "home", "on", "reason")
                for value in request.POST.getlist(key)
            ]
            + [("expected", str(count))],
            "back": back,
            "data": data,
        }
        return render(request, "members/member_bulk_confirm.html", context)
    try:
        if action == "add_tag":
            count = services.members_add_tag(
                members=chosen, tag_name=data["tag"], by=request.user, expected=expected
            )
        elif action == "remove_tag":
            count = services.members_remove_tag(
                members=chosen, tag_name=data["tag"], by=request.user, expected=expected
            )
        elif action == "assign_home":
            home = Organization.objects.get(pk=data["home"])  # one of her changeable homes
            count = services.members_assign_home(
                members=chosen, home=home, starts_on=data["on"], by=request.user, expected=expected
            )
        else:
            count = services.members_mark_left(
                members=chosen,
                left_on=data["on"],
                reason=data["reason"],
                by=request.user,
                expected=expected,
            )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    messages.success(request, _("%(count)d members updated.") % {"count": count})
    return redirect(back)


def _directory_form(request: HttpRequest, data) -> DirectoryForm:
    return DirectoryForm(
        data,
        organizations=choices.visible_organization_choices(request.user),
        tags=tag_choices(),
    )


# --- One member ---------------------------------------------------------------------------


def _member_or_404(request: HttpRequest, pk: int, *, changeable: bool = False) -> Member:
    scope = (
        selectors.members_changeable_by(request.user)
        if changeable
        else selectors.members_visible_to(request.user)
    )
    return get_visible_or_404(request, scope, pk=pk)


@require_GET
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        member = selectors.member_record(user=request.user, pk=pk)
    except Member.DoesNotExist:
        # Outside her scope: 404, and a record of the attempt when the member exists. Asked
        # only then, so that an ordinary visit checks the scope once, not twice.
        _member_or_404(request, pk)
        raise Http404 from None
    can = selectors.member_abilities(user=request.user, member=member)
    context = {
        "member": member,
        "market": selectors.current_market(member),
        "homes": selectors.current_homes(member),
        # Masked for everybody: full numbers only through a recorded "显示" (and never for
        # an erased member, whoever reads it).
        "changes": selectors.member_history(member, reveal_mobile=False),
        "can": can,
        "can_change": can.change,
        "can_see_id": can.see_id_number,
        "masked_id_number": mask_id_number(member.id_number),
        "pending_transfer": member.transfers.filter(status=TransferStatus.PENDING)
        .select_related("to_organization", "from_organization")
        .first(),
    }
    return render(request, "members/member_detail.html", context)


@require_POST
def member_unmask(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """Show one full number, or the change history's full mobiles: an explicit, recorded act
    (never in a URL, never in a log). With hide=1, the masked form again (nothing recorded)."""
    if field not in {"mobile", "id_number", "history"}:
        return HttpResponse(status=400)
    if field == "id_number" and not can_see_id_numbers(request.user):
        raise PermissionDenied
    member = _member_or_404(request, pk, changeable=field != "id_number")
    # An erased member's old numbers stay masked, whoever asks (nothing to reveal or record).
    reveal = request.POST.get("hide") != "1" and member.erased_at is None
    if field == "history":
        if reveal:
            access_record(
                kind=AccessKind.UNMASK_MOBILE,
                request=request,
                target=member,
                detail={"fields": ["history"]},
            )
        context = {
            "member": member,
            "changes": selectors.member_history(member, reveal_mobile=reveal),
            "history_revealed": reveal,
            "can_change": True,
        }
        return render(request, "members/member_detail.html#history", context)
    if reveal:
        kind = AccessKind.UNMASK_MOBILE if field == "mobile" else AccessKind.UNMASK_ID_NUMBER
        access_record(kind=kind, request=request, target=member)
    masked = member.masked_mobile if field == "mobile" else mask_id_number(member.id_number)
    context = {
        "member": member,
        "field": field,
        "shown": getattr(member, field) if reveal else masked,
        "revealed": reveal,
    }
    return render(request, "members/member_detail.html#number", context)


@require_http_methods(["GET", "POST"])
def member_personal_data(request: HttpRequest, pk: int) -> HttpResponse:
    """PIPL requests on her record (district staff): hand over everything held about her as
    a file, or erase what identifies her. Both are recorded in the access log."""
    member = _member_or_404(request, pk)
    can = selectors.member_abilities(user=request.user, member=member)
    if not can.handle_personal_data:
        raise PermissionDenied
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "export":
            document = services.member_export_personal_data(
                member=member, by=request.user, request=request
            )
            response = HttpResponse(document, content_type="application/json; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="member-{member.pk}.json"'
            return response
        if action == "erase":
            if member.erased_at is not None:
                messages.info(request, _("Her personal data has already been erased."))
                return redirect("member_detail", pk=pk)
            if request.POST.get("confirmed") != "yes":
                messages.error(request, _("Tick the box to confirm the erasure."))
            else:
                services.member_erase(member=member, by=request.user, request=request)
                messages.success(request, _("Personal data erased; statistics keep their counts."))
                return redirect("member_detail", pk=pk)
        else:
            return HttpResponse(status=400)
    return render(request, "members/member_personal_data.html", {"member": member})


@require_http_methods(["GET", "POST"])
def member_create(request: HttpRequest) -> HttpResponse:
    markets = selectors.market_federations_changeable_by(request.user)
    if not markets.exists():
        raise PermissionDenied
    allowed = selectors.creatable_member_fields(request.user)
    place = MemberCreatePlaceForm(
        request.POST or None, markets=markets, homes=selectors.homes_changeable_by(request.user)
    )
    market = place.fields["market"].initial
    if request.method == "POST" and place.is_valid():
        market = place.cleaned_data["market"]
    form = MemberForm(
        request.POST or None,
        instance=Member(),
        allowed=allowed,
        market=market,
        initial={"joined_on": timezone.localdate()},
        duplicate_check=_duplicate_check(request),
    )
    if request.method == "POST" and place.is_valid() and form.is_valid():
        values = form.changed_values()
        try:
            member = services.member_create(
                by=request.user,
                market=place.cleaned_data["market"],
                home=place.cleaned_data["home"],
                **values,
            )
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": member.name})
            return redirect("member_detail", pk=member.pk)
    return render(request, "members/member_form.html", _form_context(request, form, place=place))


def _form_context(request, form, *, place=None, member=None) -> dict:
    answer = form.duplicate
    return {
        "form": form,
        "place": place,
        "member": member,
        "duplicate": answer,
        "can_pull": answer is not None
        and answer.elsewhere
        and not answer.limited
        and answer.market is not None,
    }


def _duplicate_check(request: HttpRequest):
    return functools.partial(services.member_duplicate_lookup, by=request.user, request=request)


@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member_or_404(request, pk, changeable=True)
    if member.status != MemberStatus.CURRENT:
        messages.error(request, _("Restore her membership before correcting her record."))
        return redirect("member_detail", pk=pk)
    market = selectors.current_market(
        selectors.with_current_places(Member.objects.filter(pk=pk)).get()
    )
    form = MemberForm(
        request.POST or None,
        instance=member,
        allowed=selectors.editable_member_fields(request.user),
        market=market,
        duplicate_check=_duplicate_check(request),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(
                member=member,
                version=form.cleaned_data["version"] or 0,
                by=request.user,
                **form.changed_values(),
            )
        except services.ConcurrentEditError as error:
            latest = error.latest
            form.add_error(
                None,
                _(
                    "%(user)s changed this record at %(time)s while you were editing. Reload "
                    "the page to see the new values, then make your change again."
                )
                % {
                    "user": latest.username if latest else "?",
                    "time": timezone.localtime(latest.at).strftime("%H:%M") if latest else "",
                },
            )
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("member_detail", pk=pk)
    return render(request, "members/member_form.html", _form_context(request, form, member=member))


@require_http_methods(["GET", "POST"])
def member_leave(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member_or_404(request, pk, changeable=True)
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_mark_left(
                member=member,
                left_on=form.cleaned_data["left_on"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(request, _("Marked as left. Her history is kept."))
            return redirect("member_detail", pk=pk)
    return render(request, "members/member_leave.html", {"member": member, "form": form})


@require_POST
def member_restore(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member_or_404(request, pk, changeable=True)
    market = selectors.restore_market_for(user=request.user, member=member)
    if market is None:
        raise PermissionDenied
    try:
        services.member_restore(
            member=member, market=market, restored_on=timezone.localdate(), by=request.user
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Her membership is restored."))
    return redirect("member_detail", pk=pk)


# --- Transfers ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def member_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a member of my market to another market (the receiving side confirms)."""
    member = _member_or_404(request, pk, changeable=True)
    others = Organization.objects.filter(kind="market_federation").exclude(
        pk__in=member.memberships.filter(ends_on__isnull=True).values("organization")
    )
    form = TransferForm(request.POST or None, markets=others.order_by("sort_name", "name"))
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_request(
                member=member,
                to_organization=form.cleaned_data["to_organization"],
                effective_on=form.cleaned_data["effective_on"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                by_receiver=False,
            )
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(request, _("Transfer requested; the receiving market confirms it."))
            return redirect("member_detail", pk=pk)
    return render(request, "members/member_transfer.html", {"member": member, "form": form})


@require_POST
def member_transfer_in(request: HttpRequest) -> HttpResponse:
    """Ask for a member registered in another market (found by her mobile or ID number).

    The button sits in the add-member form and posts that whole form here, so whatever
    goes wrong the chair gets her form back as she typed it, with the reason beside it.
    """
    markets = selectors.market_federations_changeable_by(request.user)
    if not markets.exists():
        raise PermissionDenied
    target = request.POST.get("to_organization") or request.POST.get("market", "")
    to_organization = get_visible_or_404(request, markets, pk=id_or_400(target))
    # Only a well-formed number is looked up (no ten-thousand digits reach the database).
    mobile = normalize_mobile(request.POST.get("mobile", ""))
    mobile = mobile if MOBILE_RE.fullmatch(mobile) else ""
    id_number = ""
    if can_see_id_numbers(request.user):
        id_number = normalize_id_number(request.POST.get("id_number", ""))
        id_number = id_number if ID_NUMBER_RE.fullmatch(id_number) else ""
    problems: list[str] = []
    answer = services.NO_DUPLICATE
    if mobile or id_number:
        # The same look-up as the form's: recorded, limited per user, never naming her.
        answer = services.member_duplicate_lookup(
            by=request.user, mobile=mobile, id_number=id_number, request=request
        )
    if not answer.found:
        problems.append(_("No current member has this number."))
    elif answer.limited:
        problems.append(_("You have looked up too many numbers in the last hour. Try again later."))
    else:
        member, _field = selectors.member_by_mobile_or_id(mobile=mobile, id_number=id_number)
        try:
            services.transfer_request(
                member=member,
                to_organization=to_organization,
                effective_on=timezone.localdate(),
                reason=_("Works in our market now"),
                by=request.user,
                by_receiver=True,
            )
        except ValidationError as error:
            problems.extend(error.messages)
    if not problems:
        messages.success(request, _("Transfer requested; her current market confirms it."))
        return redirect("transfer_list")
    # Nothing she typed is lost: the whole form comes back with what went wrong. (No second
    # duplicate look-up here: the one above is the one recorded and counted.)
    place = MemberCreatePlaceForm(
        request.POST, markets=markets, homes=selectors.homes_changeable_by(request.user)
    )
    form = MemberForm(
        request.POST,
        instance=Member(),
        allowed=selectors.creatable_member_fields(request.user),
        market=to_organization,
    )
    place.is_valid()
    form.is_valid()
    for problem in problems:
        form.add_error(None, problem)
    return render(request, "members/member_form.html", _form_context(request, form, place=place))


@require_GET
def transfer_list(request: HttpRequest) -> HttpResponse:
    transfers = list(selectors.transfers_for(request.user))
    # A member asked for from another market is not named to the asking side until her
    # market confirms the transfer.
    visible = set(
        selectors.members_visible_to(request.user)
        .filter(pk__in=[t.member_id for t in transfers])
        .values_list("pk", flat=True)
    )
    for transfer in transfers:
        transfer.can = selectors.transfer_abilities(user=request.user, transfer=transfer)
        transfer.member_visible = transfer.member_id in visible
    return render(request, "members/transfer_list.html", {"transfers": transfers})


@require_POST
def transfer_decide(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = get_visible_or_404(request, selectors.transfers_for(request.user), pk=pk)
    decision = request.POST.get("decision")
    can = selectors.transfer_abilities(user=request.user, transfer=transfer)
    try:
        if decision == "confirm":
            if not can.decide:
                raise PermissionDenied
            services.transfer_confirm(transfer=transfer, by=request.user)
            messages.success(request, _("Transfer confirmed."))
        elif decision == "reject":
            if not can.decide:
                raise PermissionDenied
            services.transfer_decline(transfer=transfer, by=request.user)
            messages.success(request, _("Transfer rejected."))
        elif decision == "cancel":
            if not can.cancel:
                raise PermissionDenied
            services.transfer_decline(transfer=transfer, by=request.user, cancel=True)
            messages.success(request, _("Transfer withdrawn."))
        else:
            return HttpResponse(status=400)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("transfer_list")
