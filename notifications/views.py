import json

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.services import get_visible_or_404
from common.htmx import fragment_or_page
from federation import choices as federation_choices
from federation.models import Organization
from federation.scope import has_editing_role
from members.models import mask_mobile
from members.selectors import member_abilities, members_changeable_by
from notifications import rules, selectors, services, tasks
from notifications.forms import RECORD_CONSENT, ConsentForm, NoticeForm
from notifications.models import Channel, NoticeState, RecipientState

REASONS = {
    services.REASON_DAILY_CAP: _("Over the provider's daily cap of 50 messages to this number"),
    services.REASON_INVALID_NUMBER: _("Not a valid mainland mobile number"),
    services.REASON_OUTCOME_UNKNOWN: _("The gateway could not say whether it was sent"),
}


def _reason(text: str) -> str:
    code = text.split(":", 1)[0]
    if code == services.REASON_GAVE_UP:
        return _("The gateway kept refusing (%s)") % text.split(":", 1)[-1].strip()
    return str(REASONS.get(code, text))


@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    notices = selectors.notices_visible_to(request.user).select_related("organization")
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/notice_list.html",
        {"page": page, "can_send": has_editing_role(request.user)},
    )


def _compose_form(request: HttpRequest, data=None) -> NoticeForm:
    organizations = [(o.pk, o.name) for o in selectors.sending_organizations(request.user)]
    templates = [(t.pk, str(t)) for t in selectors.approved_templates()]
    initial = {"query": request.GET.get("query", "")}
    if organizations:
        initial["organization"] = organizations[0][0]
    return NoticeForm(
        data,
        initial=initial,
        organizations=organizations,
        audience_organizations=federation_choices.visible_organization_choices(request.user),
        templates=templates,
        bots=[(b.pk, b.name) for b in selectors.wecom_bots_for(request.user)],
    )


def _audience(data: dict) -> dict:
    query = QueryDict(data.get("query") or "", mutable=True)
    if data.get("audience_organization"):
        query["organization"] = str(data["audience_organization"])
    return {"query": query.urlencode(), "everything": True}


def _preview(request: HttpRequest, form: NoticeForm) -> dict:
    """What the sender sees before sending: the text for a real recipient, its length and
    segments, the audience count and who is left out, and the provider's rules."""
    data = form.cleaned_data
    channel = data.get("channel") or Channel.SMS
    template = None
    if channel == Channel.SMS:
        template = selectors.approved_templates().filter(pk=data.get("sms_template")).first()
    promotional = template.promotional if template else bool(data.get("promotional"))
    members = selectors.audience_members(user=request.user, audience=_audience(data))
    counts = selectors.audience_counts(members, channel, promotional=promotional)
    sample = selectors.reachable(members, channel, promotional=promotional).order_by("pk").first()
    name, market = (sample.name, "") if sample else (_("(name)"), "")
    if sample is not None:
        membership = (
            sample.memberships.filter(ends_on__isnull=True, scope="market")
            .select_related("organization__market")
            .first()
        )
        place = getattr(membership.organization, "market", None) if membership else None
        market = place.name if place else ""
    values = {"name": name, "market": market, "time": data.get("event_time") or ""}
    problems: list[str] = []
    text = ""
    check = None
    if channel == Channel.SMS:
        if data.get("promotional") and template and not template.promotional:
            problems.append(
                _(
                    "A promotional SMS needs a template filed as promotional "
                    "(with the opt-out line)."
                )
            )
        if template is None:
            problems.append(_("Choose an approved SMS template."))
        else:
            text = rules.sms_text(
                template.body,
                signature=template.signature.name,
                promotional=template.promotional,
                **values,
            )
            check = rules.check_sms(template=template, sample=text)
            problems += check.problems
            over_cap = selectors.over_daily_cap_count(
                members, template_id=template.pk, since=services.local_midnight(timezone.now())
            )
            if over_cap:
                problems.append(
                    _(
                        "%s recipients already had 50 messages of this template today (the "
                        "provider's cap): they will be reported as failed, not sent."
                    )
                    % over_cap
                )
    else:
        text = rules.email_text(data.get("body") or "", promotional=promotional, **values)
        problems += [
            _("Unknown variable {%s}.") % v for v in rules.unknown_variables(data.get("body", ""))
        ]
    return {
        "counts": counts,
        "sample": sample,
        "text": text,
        "check": check,
        "problems": problems,
        "promotional": promotional,
        "quiet_now": channel == Channel.SMS
        and services.in_quiet_hours(data.get("send_at") or timezone.now()),
    }


@require_http_methods(["GET", "POST"])
def notice_compose(request: HttpRequest) -> HttpResponse:
    if not has_editing_role(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = _compose_form(request, request.POST)
        if form.is_valid() and "preview" not in request.POST:
            data = form.cleaned_data
            organization = (
                selectors.sending_organizations(request.user)
                .filter(pk=data["organization"])
                .first()
            )
            template = selectors.approved_templates().filter(pk=data.get("sms_template")).first()
            bot = selectors.wecom_bots_for(request.user).filter(pk=data.get("wecom_bot")).first()
            try:
                notice = tasks.notice_schedule(
                    by=request.user,
                    organization=organization or Organization(pk=0),
                    title=data["title"],
                    channel=data["channel"],
                    audience=_audience(data),
                    sms_template=template,
                    body=data.get("body") or "",
                    event_time=data.get("event_time") or "",
                    send_at=data.get("send_at"),
                    quiet_hours_override=data.get("quiet_hours_override", False),
                    wecom_bot=bot,
                    promotional=data.get("promotional", False),
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                if notice.state == NoticeState.SCHEDULED and notice.send_at > timezone.now():
                    messages.info(
                        request,
                        _("Scheduled for %s.")
                        % timezone.localtime(notice.send_at).strftime("%Y-%m-%d %H:%M"),
                    )
                return redirect("notice_detail", pk=notice.pk)
        preview = _preview(request, form) if form.is_valid() else None
        return fragment_or_page(
            request,
            "notifications/notice_compose.html",
            "preview",
            {"form": form, "preview": preview},
        )
    form = _compose_form(request)
    return render(request, "notifications/notice_compose.html", {"form": form, "preview": None})


def _notice_or_404(request: HttpRequest, pk: int):
    return get_visible_or_404(request, selectors.notices_visible_to(request.user), pk=pk)


@require_GET
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice_or_404(request, pk)
    state = request.GET.get("state", "")
    rows = Paginator(selectors.notice_recipients(notice, state=state), 50).get_page(
        request.GET.get("page")
    )
    for row in rows:
        row.masked = mask_mobile(row.address) if notice.channel == Channel.SMS else row.address
        row.reason_text = _reason(row.reason) if row.reason else ""
    context = {
        "notice": notice,
        "progress": selectors.notice_progress(notice),
        "rows": rows,
        "state": state,
        "states": RecipientState.choices,
        "going": notice.state in (NoticeState.SCHEDULED, NoticeState.SENDING),
    }
    return fragment_or_page(request, "notifications/notice_detail.html", "progress", context)


@require_POST
def notice_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice_or_404(request, pk)
    try:
        count = services.notice_cancel(notice=notice, by=request.user)
        messages.success(request, _("Cancelled: %s recipients will not get it.") % count)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("notice_detail", pk=notice.pk)


@require_POST
def notice_retry(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice_or_404(request, pk)
    try:
        count = tasks.notice_retry_failed(notice=notice, by=request.user)
        messages.success(request, _("%s failed recipients queued again.") % count)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("notice_detail", pk=notice.pk)


# --- Her consent and opt-out per channel, on her record ----------------------------------


@require_http_methods(["GET", "POST"])
def member_consent(request: HttpRequest, pk: int) -> HttpResponse:
    """Record her consent to a channel (how, when) or her opt-out of it: for those who may
    change her, as any other change to her record."""
    member = get_visible_or_404(request, members_changeable_by(request.user), pk=pk)
    if not member_abilities(user=request.user, member=member).change:
        raise PermissionDenied
    form = ConsentForm(
        request.POST if request.method == "POST" else None,
        initial={"on": timezone.localdate(), "record": RECORD_CONSENT},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        record = (
            services.consent_record if data["record"] == RECORD_CONSENT else services.opt_out_record
        )
        arguments = (
            {"method": data["method"]}
            if data["record"] == RECORD_CONSENT
            else {"source": data["method"]}
        )
        try:
            record(
                by=request.user, member=member, channel=data["channel"], on=data["on"], **arguments
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Recorded."))
            return redirect("member_detail", pk=member.pk)
    context = {"member": member, "form": form, "channels": selectors.member_channels(member)}
    return render(request, "notifications/member_consent.html", context)


# --- The gateway's callbacks (no login; a signature instead) -------------------------------


def _signed_json(request: HttpRequest):
    signature = request.headers.get("X-Signature")
    if not signature:
        return None, HttpResponse(_("Unsigned."), status=400)
    if not services.callback_signature_valid(request.body, signature):
        return None, HttpResponse(_("Forged."), status=403)
    try:
        data = json.loads(request.body)
    except ValueError:
        return None, HttpResponse(status=400)
    if not isinstance(data, list):
        return None, HttpResponse(status=400)
    return [d for d in data if isinstance(d, dict)], None


@login_not_required
@csrf_exempt
@require_POST
def sms_receipts(request: HttpRequest) -> HttpResponse:
    reports, refusal = _signed_json(request)
    if refusal:
        return refusal
    services.receipts_record(reports)
    return JsonResponse({"code": 0, "msg": "成功"})


@login_not_required
@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    replies, refusal = _signed_json(request)
    if refusal:
        return refusal
    services.inbound_record(replies)
    return JsonResponse({"code": 0, "msg": "成功"})
