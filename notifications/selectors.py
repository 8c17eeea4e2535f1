"""Reads for notices. Every list and page starts from notices_visible_to()."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import QueryDict

from common.parsing import parse_ids
from federation import choices as federation_choices
from federation.scope import User, organizations_changeable_by
from members.choices import tag_choices
from members.forms import DirectoryForm
from members.models import Member, MemberStatus
from members.selectors import members_from_selection
from notifications import rules
from notifications.models import (
    Channel,
    Consent,
    Notice,
    OptOut,
    Recipient,
    RecipientState,
    SmsTemplate,
    WeComBot,
)


def notices_visible_to(user: User) -> QuerySet[Notice]:
    """Notices sent in the name of an organization whose members she may change: staff see
    the chairs' notices, a chair only her market's."""
    return Notice.objects.filter(organization__in=organizations_changeable_by(user))


def sending_organizations(user: User):
    """The organizations she may send in the name of (those she holds an editing role on)."""
    return organizations_changeable_by(user).order_by("path")


def wecom_bots_for(user: User) -> QuerySet[WeComBot]:
    return WeComBot.objects.filter(organization__in=organizations_changeable_by(user))


def approved_templates() -> QuerySet[SmsTemplate]:
    return SmsTemplate.objects.filter(approved=True, signature__approved=True).select_related(
        "signature"
    )


def audience_members(*, user: User, audience: dict) -> QuerySet[Member]:
    """The directory's selection (ticked ids or every member matching its filters), re-run
    within the sender's scope: a chair reaches only members she may change."""
    data = QueryDict(audience.get("query", ""), mutable=True)
    # Members who left are in the selection, to be counted as left out, not silently missed.
    data.setdefault("status", "all")
    form = DirectoryForm(
        data,
        organizations=federation_choices.visible_organization_choices(user),
        tags=tag_choices(),
    )
    if not form.is_valid():
        # A filter outside her scope (another market's id) reaches nobody, not everybody.
        return Member.objects.none()
    ids = parse_ids(audience.get("ids", []))
    return members_from_selection(
        user=user,
        ids=ids,
        everything=bool(audience.get("everything", not ids)),
        query=form.query(),
        changeable=True,
    ).order_by()


def address_field(channel: str) -> str:
    return "mobile" if channel == Channel.SMS else "email"


def opted_out(channel: str):
    return Exists(OptOut.objects.filter(member=OuterRef("pk"), channel=channel))


def consented(channel: str):
    return Exists(Consent.objects.filter(member=OuterRef("pk"), channel=channel))


def reachable(
    members: QuerySet[Member], channel: str, *, promotional: bool = False
) -> QuerySet[Member]:
    """Those a notice on this channel goes to. A promotional notice needs her recorded
    consent for the channel (PIPL art. 14); a service notice (a meeting, a policy) goes to
    every member who has not opted out."""
    field = address_field(channel)
    members = (
        members.filter(status=MemberStatus.CURRENT, erased_at__isnull=True)
        .exclude(**{field: ""})
        .exclude(opted_out(channel))
    )
    return members.filter(consented(channel)) if promotional else members


def audience_counts(
    members: QuerySet[Member], channel: str, *, promotional: bool = False
) -> dict[str, int]:
    """Who the notice reaches and who it leaves out, and why (one query). Each member is
    counted once: left, else opted out, else without an address, else without consent."""
    field = address_field(channel)
    current = Q(status=MemberStatus.CURRENT)
    out = Q(opted_out(channel))
    no_address = Q(**{field: ""}) | Q(erased_at__isnull=False)
    addressable = current & ~out & ~no_address
    consent = Q(consented(channel))
    counts = members.aggregate(
        total=Count("pk"),
        left=Count("pk", filter=~current),
        opted_out=Count("pk", filter=current & out),
        no_address=Count("pk", filter=current & ~out & no_address),
        no_consent=Count("pk", filter=addressable & ~consent),
        reachable=Count("pk", filter=addressable & consent if promotional else addressable),
    )
    if not promotional:
        counts["no_consent"] = 0  # a service notice does not ask for consent
    return counts


def notice_progress(notice: Notice) -> dict[str, int]:
    """Recipients per state, live (one grouped query)."""
    counts = {state: 0 for state in RecipientState.values}
    for row in (
        Recipient.objects.filter(notice=notice).values("state").annotate(n=Count("pk")).order_by()
    ):
        counts[row["state"]] = row["n"]
    counts["total"] = sum(counts[s] for s in RecipientState.values)
    return counts


def notice_recipients(notice: Notice, *, state: str = "") -> QuerySet[Recipient]:
    rows = Recipient.objects.filter(notice=notice).order_by("pk")
    if state in RecipientState.values:
        rows = rows.filter(state=state)
    return rows


def addresses_at_daily_cap(*, template_id: int, since, exclude_notice_id: int | None = None):
    """Mobiles that already had the provider's daily cap (50) of this template today."""
    rows = Recipient.objects.filter(
        channel=Channel.SMS, queued_at__gte=since, notice__sms_template_id=template_id
    ).exclude(state__in=[RecipientState.FAILED, RecipientState.CANCELLED])
    if exclude_notice_id is not None:
        rows = rows.exclude(notice_id=exclude_notice_id)
    return (
        rows.values("address")
        .annotate(n=Count("pk"))
        .filter(n__gte=rules.DAILY_CAP)
        .values("address")
    )


def over_daily_cap_count(members: QuerySet[Member], *, template_id: int, since) -> int:
    busy = addresses_at_daily_cap(template_id=template_id, since=since)
    return reachable(members, Channel.SMS).filter(mobile__in=busy).count()


def member_channels(member: Member) -> list[dict]:
    """Her consent and opt-out on each channel, with when and how (two queries)."""
    consents = {c.channel: c for c in Consent.objects.filter(member=member)}
    opt_outs = {o.channel: o for o in OptOut.objects.filter(member=member)}
    return [
        {
            "channel": channel,
            "label": label,
            "consent": consents.get(channel),
            "opt_out": opt_outs.get(channel),
        }
        for channel, label in Channel.choices
    ]
