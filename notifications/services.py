"""Writes for notices: schedule, freeze the audience, send in batches exactly once, sweep,
record receipts and opt-outs, cancel, retry.

How "exactly once" holds (the tests kill workers to prove it):
- the audience is frozen into one Recipient row per (notice, member, channel), unique;
- a batch claims rows by moving them pending → sending under a fresh send key, in one
  conditional UPDATE, so a task delivered twice finds nothing left to claim;
- the gateway gets the send key as OutId; a row leaves "sending" only by the gateway's
  answer, or by the sweep, which first asks the gateway what it took under that key;
- a send whose outcome is unknown (timeout, dead worker) is never repeated blind.
"""

import datetime
import hashlib
import hmac
import logging
import random
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import EmptyResultSet, PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Max, Min, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import change_record
from federation.models import Organization
from federation.scope import User, may_change_members_of
from members.models import Member, Membership, MembershipScope, MemberStatus
from members.selectors import member_abilities
from members.validators import MOBILE_RE, normalize_mobile
from notifications import channels, ratelimit, rules, selectors
from notifications.models import (
    Channel,
    Consent,
    ConsentMethod,
    Notice,
    NoticeState,
    OptOut,
    OptOutSource,
    Recipient,
    RecipientState,
    SmsTemplate,
    WeComBot,
    WeComPostState,
)

logger = logging.getLogger(__name__)

QUIET_START = datetime.time(21, 0)
QUIET_END = datetime.time(8, 0)
MAX_ATTEMPTS = 8  # transient failures before a recipient is failed with the reason
OPT_OUT_REPLIES = {"TD", "R", "退订", "T", "N"}

# Reasons kept on a failed row; the progress page says them in the reader's language.
REASON_DAILY_CAP = "daily_cap"
REASON_INVALID_NUMBER = "invalid_number"
REASON_OUTCOME_UNKNOWN = "outcome_unknown"
REASON_GAVE_UP = "gave_up"


# --- Scheduling ---------------------------------------------------------------------------


def in_quiet_hours(moment: datetime.datetime) -> bool:
    local = timezone.localtime(moment).time()
    return local >= QUIET_START or local < QUIET_END


def next_morning(moment: datetime.datetime) -> datetime.datetime:
    """08:00 after a moment in the quiet hours (the same day if before 08:00)."""
    local = timezone.localtime(moment)
    day = local.date() if local.time() < QUIET_END else local.date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, QUIET_END, tzinfo=local.tzinfo)


def notice_create(
    *,
    by: User,
    organization: Organization,
    title: str,
    channel: str,
    audience: dict,
    sms_template: SmsTemplate | None = None,
    body: str = "",
    event_time: str = "",
    send_at: datetime.datetime | None = None,
    quiet_hours_override: bool = False,
    wecom_bot: WeComBot | None = None,
    promotional: bool = False,
) -> Notice:
    """Schedule a notice. An SMS falling in the quiet hours (21:00–08:00) is moved to 08:00
    unless the sender overrides it. The caller queues a notice that is due now
    (tasks.notice_schedule)."""
    if not may_change_members_of(by, organization):
        raise PermissionDenied
    if wecom_bot is not None and not may_change_members_of(by, wecom_bot.organization):
        raise PermissionDenied
    if channel == Channel.SMS:
        if sms_template is None:
            raise ValidationError(_("Choose an SMS template."))
        if promotional and not sms_template.promotional:
            # The filed text must be what goes out, opt-out line included.
            raise ValidationError(
                _(
                    "A promotional SMS needs a template filed as promotional "
                    "(with the opt-out line)."
                )
            )
        promotional = sms_template.promotional
        check = rules.check_sms(template=sms_template, sample=sms_template.body)
        if not check.ok:
            raise ValidationError(check.problems)
    elif not body.strip():
        raise ValidationError(_("Write the text of the notice."))
    unknown = rules.unknown_variables(body)
    if unknown:
        raise ValidationError(_("Unknown variable {%s}.") % unknown[0])
    now = timezone.now()
    send_at = max(send_at or now, now)
    if channel == Channel.SMS and not quiet_hours_override and in_quiet_hours(send_at):
        send_at = next_morning(send_at)
    with transaction.atomic():
        notice = Notice.objects.create(
            organization=organization,
            title=title,
            channel=channel,
            sms_template=sms_template if channel == Channel.SMS else None,
            body=body,
            event_time=event_time,
            audience=audience,
            send_at=send_at,
            quiet_hours_override=quiet_hours_override,
            created_by=by,
            wecom_bot=wecom_bot,
            wecom_state=WeComPostState.PENDING if wecom_bot else "",
            promotional=promotional,
        )
        change_record(target=notice, by=by, action="notice_scheduled", params={"title": title})
    return notice


def local_midnight(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def notices_due(now: datetime.datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        Notice.objects.filter(state=NoticeState.SCHEDULED, send_at__lte=now).values_list(
            "pk", flat=True
        )
    )


# --- Freezing the audience ----------------------------------------------------------------


def _market_name():
    # The market's own name (邵兴城市场), which {市场} stands for, not its federation's.
    return Subquery(
        Membership.objects.filter(
            member=OuterRef("pk"), ends_on__isnull=True, scope=MembershipScope.MARKET
        ).values("organization__market__name")[:1]
    )


def notice_freeze(*, notice_id: int) -> int:
    """Freeze the audience into recipient rows (once: a second call finds the notice no
    longer scheduled) and count who was left out and why. One INSERT … SELECT."""
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(of=("self",))
            .select_related("created_by", "sms_template")
            .filter(pk=notice_id, state=NoticeState.SCHEDULED)
            .first()
        )
        if notice is None:
            return 0
        members = selectors.audience_members(user=notice.created_by, audience=notice.audience)
        counts = selectors.audience_counts(members, notice.channel, promotional=notice.promotional)
        rows = (
            selectors.reachable(members, notice.channel, promotional=notice.promotional)
            .annotate(
                r_member=F("pk"),
                r_address=F(selectors.address_field(notice.channel)),
                r_name=F("name"),
                r_market=Coalesce(_market_name(), Value("")),
            )
            .values("r_member", "r_address", "r_name", "r_market")
            .order_by()
        )
        now = timezone.now()
        table = Recipient._meta.db_table
        try:
            select_sql, params = rows.query.sql_with_params()
        except EmptyResultSet:  # an audience that reaches nobody
            select_sql, params = "", []
        inserted = 0
        with connection.cursor() as cursor:
            if select_sql:
                cursor.execute(
                    f"INSERT INTO {table} (notice_id, member_id, channel, address, name, market,"  # noqa: S608
                    " state, send_key, attempts, provider_id, reason, queued_at, updated_at)"
                    " SELECT %s, s.r_member, %s, s.r_address, s.r_name, s.r_market, %s, '', 0,"
                    f" '', '', %s, %s FROM ({select_sql}) s WHERE 1 = 1"
                    " ON CONFLICT DO NOTHING",
                    [notice.pk, notice.channel, RecipientState.PENDING, now, now, *params],
                )
                inserted = cursor.rowcount
        if notice.channel == Channel.SMS:
            _fail_over_daily_cap(notice, now)
        Notice.objects.filter(pk=notice.pk).update(
            state=NoticeState.SENDING,
            frozen_at=now,
            excluded_left=counts["left"],
            excluded_opted_out=counts["opted_out"],
            excluded_no_address=counts["no_address"],
            excluded_no_consent=counts["no_consent"],
        )
    return inserted


def _fail_over_daily_cap(notice: Notice, now: datetime.datetime) -> None:
    """Alibaba takes at most 50 messages a day per number for one signature and template:
    a recipient over it is failed with that reason, visible on the page, not dropped."""
    busy = selectors.addresses_at_daily_cap(
        template_id=notice.sms_template_id, since=local_midnight(now), exclude_notice_id=notice.pk
    )
    Recipient.objects.filter(notice=notice, address__in=busy).update(
        state=RecipientState.FAILED, reason=REASON_DAILY_CAP, updated_at=now
    )


def notice_batches(*, notice_id: int, size: int | None = None) -> list[tuple[int, int]]:
    """The notice's pending rows as id ranges of `size` rows (hundreds), one task each."""
    size = size or settings.NOTIFICATIONS_TASK_BATCH
    ids = list(
        Recipient.objects.filter(notice_id=notice_id, state=RecipientState.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return [
        (chunk[0], chunk[-1]) for chunk in (ids[i : i + size] for i in range(0, len(ids), size))
    ]


# --- Sending ------------------------------------------------------------------------------


@dataclass
class BatchResult:
    sent: int = 0
    failed: int = 0
    retry_in: float | None = None


def _message_for(notice: Notice, row: Recipient) -> channels.Message:
    values = {"name": row.name, "market": row.market, "time": notice.event_time}
    if notice.channel == Channel.SMS:
        template = notice.sms_template
        text = rules.sms_text(
            template.body,
            signature=template.signature.name,
            promotional=template.promotional,
            **values,
        )
        return channels.Message(row.pk, row.address, text, rules.template_params(**values))
    return channels.Message(
        row.pk,
        row.address,
        rules.email_text(notice.body, promotional=notice.promotional, **values),
    )


def recipients_send_batch(*, notice_id: int, first_id: int, last_id: int) -> BatchResult:
    """Send the notice's pending rows with ids first_id..last_id, a gateway call at a time.
    Safe to run twice, or at once in two workers: each call sends only the rows it claimed."""
    result = BatchResult()
    notice = Notice.objects.select_related("sms_template__signature").filter(pk=notice_id).first()
    if notice is None:
        return result
    backend = channels.backend_for(notice.channel)
    size = backend.batch_size
    if notice.channel == Channel.SMS:
        # A batch never larger than the limit, and sized to fill a window of it.
        size = ratelimit.batch_size(settings.NOTIFICATIONS_SMS_RATE, size)
    in_range = Recipient.objects.filter(notice_id=notice_id, pk__gte=first_id, pk__lte=last_id)
    while True:
        if not Notice.objects.filter(pk=notice_id, state=NoticeState.SENDING).exists():
            break  # cancelled: notice_cancel moved the pending rows
        ids = list(
            in_range.filter(state=RecipientState.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            break
        key = uuid.uuid4().hex
        now = timezone.now()
        Recipient.objects.filter(pk__in=ids, state=RecipientState.PENDING).update(
            state=RecipientState.SENDING, send_key=key, attempts=F("attempts") + 1, updated_at=now
        )
        rows = list(
            Recipient.objects.filter(pk__in=ids, send_key=key, state=RecipientState.SENDING)
        )
        if not rows:
            continue  # another worker claimed them first
        mine = Recipient.objects.filter(send_key=key, state=RecipientState.SENDING)
        if notice.channel == Channel.SMS:
            invalid = [r.pk for r in rows if not _valid_mobile(r.address)]
            if invalid:
                result.failed += mine.filter(pk__in=invalid).update(
                    state=RecipientState.FAILED, reason=REASON_INVALID_NUMBER, updated_at=now
                )
                rows = [r for r in rows if r.pk not in set(invalid)]
                if not rows:
                    continue
        batch = channels.Batch(
            send_key=key,
            messages=[_message_for(notice, row) for row in rows],
            subject=notice.title,
            template_code=notice.sms_template.code if notice.sms_template else "",
            signature=notice.sms_template.signature.name if notice.sms_template else "",
        )
        admission = None
        if notice.channel == Channel.SMS:
            admission = _admitted_by_the_limit(mine, len(rows))
            if admission is None:
                continue
        try:
            outcome = backend.send(batch)
        finally:
            if admission is not None:
                admission.release()  # the gateway has it: its share ends a second from now
        now = timezone.now()
        if outcome.kind == channels.ACCEPTED:
            result.sent += mine.update(
                state=RecipientState.SENT,
                provider_id=outcome.provider_id,
                sent_at=now,
                updated_at=now,
                reason="",
            )
        elif outcome.kind == channels.PERMANENT:
            result.failed += mine.update(
                state=RecipientState.FAILED, reason=outcome.reason, updated_at=now
            )
        elif outcome.kind == channels.TRANSIENT:
            attempts = max(r.attempts for r in rows) + 1
            if attempts > MAX_ATTEMPTS:
                result.failed += mine.update(
                    state=RecipientState.FAILED,
                    reason=f"{REASON_GAVE_UP}: {outcome.reason}",
                    updated_at=now,
                )
                continue
            mine.update(
                state=RecipientState.PENDING, send_key="", reason=outcome.reason, updated_at=now
            )
            result.retry_in = min(300.0, 2.0**attempts) * random.uniform(0.8, 1.2)  # noqa: S311
            return result
        # UNKNOWN: the rows stay "sending"; the sweep asks the gateway before anything else.
    notice_finish_if_done(notice_id=notice_id)
    return result


def _admitted_by_the_limit(mine, count: int) -> ratelimit.Admission | None:
    """Wait for the global SMS limit to admit the claimed rows. The rows wait "sending", so
    the wait is bounded well inside the sweep's timeout and the rows are touched once
    admitted (the timeout then counts from the send, as before); not admitted in time, they
    go back to pending, as if never claimed."""
    admission = ratelimit.acquire(
        "sms",
        limit=settings.NOTIFICATIONS_SMS_RATE,
        wanted=count,
        hold=settings.ALIYUN_SMS_TIMEOUT_MS / 1000 + 1.0,
        within=sending_timeout() / 3,
    )
    if admission is not None:
        if mine.update(updated_at=timezone.now()) == count:
            return admission
        admission.release()
    mine.update(
        state=RecipientState.PENDING,
        send_key="",
        attempts=F("attempts") - 1,
        updated_at=timezone.now(),
    )
    return None


def _valid_mobile(address: str) -> bool:
    return MOBILE_RE.fullmatch(address) is not None


def notice_finish_if_done(*, notice_id: int) -> bool:
    """A notice with no row left queued or sending is done, with its counts."""
    if Recipient.objects.filter(
        notice_id=notice_id, state__in=[RecipientState.PENDING, RecipientState.SENDING]
    ).exists():
        return False
    progress = selectors.notice_progress(Notice(pk=notice_id))
    return bool(
        Notice.objects.filter(pk=notice_id, state=NoticeState.SENDING).update(
            state=NoticeState.DONE, finished_at=timezone.now(), counts=progress
        )
    )


# --- The sweep ----------------------------------------------------------------------------


def sending_timeout() -> float:
    # Never shorter than a gateway call may take: a live send must not be judged dead.
    return max(settings.NOTIFICATIONS_SENDING_TIMEOUT, settings.ALIYUN_SMS_TIMEOUT_MS / 1000 + 2)


def recipients_sweep(*, now: datetime.datetime | None = None) -> list[tuple[int, int, int]]:
    """Rows stuck in "sending" (their worker died): ask the gateway what it took under each
    send key; those it took are sent, the rest queued again. Rows queued long ago with no
    task left (a lost message) are queued again too. Returns the batches to enqueue."""
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=sending_timeout())
    keys = (
        Recipient.objects.filter(state=RecipientState.SENDING, updated_at__lt=stale)
        .values("send_key", "notice_id", "channel")
        .distinct()
    )
    touched: set[int] = set()
    for entry in list(keys[:500]):
        key, notice_id = entry["send_key"], entry["notice_id"]
        rows = Recipient.objects.filter(send_key=key, state=RecipientState.SENDING)
        addresses = list(rows.values_list("address", flat=True))
        backend = channels.backend_for(entry["channel"])
        try:
            found = backend.lookup(send_key=key, addresses=addresses, day=timezone.localdate(now))
        except Exception:
            logger.exception("sweep: the gateway could not be asked about a batch")
            continue
        if found is None:
            # The channel cannot tell: failing is honest, sending again might repeat it.
            rows.update(state=RecipientState.FAILED, reason=REASON_OUTCOME_UNKNOWN, updated_at=now)
        else:
            for address, provider_id in found.items():
                rows.filter(address=address).update(
                    state=RecipientState.SENT, provider_id=provider_id, sent_at=now, updated_at=now
                )
            requeued = rows.update(state=RecipientState.PENDING, send_key="", updated_at=now)
            logger.info(
                "sweep: notice %s, a stuck batch: %s had reached the gateway, %s queued again",
                notice_id,
                len(found),
                requeued,
            )
        touched.add(notice_id)
    # Pending rows nobody has touched for the timeout: their task message was lost.
    lost = (
        Recipient.objects.filter(
            state=RecipientState.PENDING,
            updated_at__lt=stale,
            notice__state=NoticeState.SENDING,
        )
        .values_list("notice_id", flat=True)
        .distinct()
    )
    touched.update(lost)
    batches = []
    for notice_id in touched:
        pending = Recipient.objects.filter(notice_id=notice_id, state=RecipientState.PENDING)
        pending.update(updated_at=now)
        for first, last in notice_batches(notice_id=notice_id):
            batches.append((notice_id, first, last))
        notice_finish_if_done(notice_id=notice_id)
    return batches


# --- 企业微信 group post -----------------------------------------------------------------


def notice_post_to_wecom(*, notice_id: int) -> float | None:
    """Post the notice into its officers' group once; returns seconds to wait when the
    robot's limit (20 a minute, a sliding window per robot shared by all workers) or a
    transient error says "later"."""
    notice = Notice.objects.select_related("wecom_bot", "sms_template").get(pk=notice_id)
    bot = notice.wecom_bot
    if bot is None or notice.wecom_state != WeComPostState.PENDING:
        return None
    admission, wait = ratelimit.take(
        f"wecom:{bot.pk}", limit=channels.WECOM_RATE_PER_MINUTE, per=60.0, hold=90.0, wanted=1
    )
    if admission is None:
        return wait
    try:
        claimed = Notice.objects.filter(pk=notice_id, wecom_state=WeComPostState.PENDING).update(
            wecom_state=WeComPostState.POSTING
        )
        if not claimed:
            return None
        body = notice.sms_template.body if notice.sms_template else notice.body
        text = f"**{notice.title}**\n" + rules.render(
            body, name="各位", market=notice.organization.name, time=notice.event_time
        )
        outcome = channels.wecom_post(webhook_url=bot.webhook_url, text=text)
    finally:
        admission.release()
    if outcome.kind == channels.ACCEPTED:
        Notice.objects.filter(pk=notice_id).update(wecom_state=WeComPostState.POSTED)
        return None
    if outcome.kind == channels.TRANSIENT:
        Notice.objects.filter(pk=notice_id).update(
            wecom_state=WeComPostState.PENDING, wecom_reason=outcome.reason
        )
        return 30.0
    Notice.objects.filter(pk=notice_id).update(
        wecom_state=WeComPostState.FAILED, wecom_reason=outcome.reason
    )
    return None


# --- Cancel, retry ------------------------------------------------------------------------


def notice_cancel(*, notice: Notice, by: User) -> int:
    """Stop a notice that is still going: queued rows are cancelled, rows already at the
    gateway keep their course."""
    if not may_change_members_of(by, notice.organization):
        raise PermissionDenied
    with transaction.atomic():
        changed = Notice.objects.filter(
            pk=notice.pk, state__in=[NoticeState.SCHEDULED, NoticeState.SENDING]
        ).update(state=NoticeState.CANCELLED, finished_at=timezone.now())
        if not changed:
            raise ValidationError(_("This notice is no longer going."))
        cancelled = Recipient.objects.filter(notice=notice, state=RecipientState.PENDING).update(
            state=RecipientState.CANCELLED, updated_at=timezone.now()
        )
        change_record(target=notice, by=by, action="notice_cancelled", params={"count": cancelled})
    return cancelled


def notice_retry_failed(*, notice: Notice, by: User) -> int:
    """Queue the failed recipients again (not those over the daily cap, still over it)."""
    if not may_change_members_of(by, notice.organization):
        raise PermissionDenied
    with transaction.atomic():
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        if locked.state not in (NoticeState.DONE, NoticeState.SENDING):
            raise ValidationError(_("Only a sent notice's failed recipients can be retried."))
        retried = (
            Recipient.objects.filter(notice=notice, state=RecipientState.FAILED)
            .exclude(reason=REASON_DAILY_CAP)
            .update(
                state=RecipientState.PENDING,
                send_key="",
                attempts=0,
                reason="",
                updated_at=timezone.now(),
            )
        )
        if retried:
            Notice.objects.filter(pk=notice.pk).update(state=NoticeState.SENDING, finished_at=None)
        change_record(target=notice, by=by, action="notice_retried", params={"count": retried})
    return retried


# --- Callbacks: receipts and replies ------------------------------------------------------


def callback_signature(body: bytes) -> str:
    secret = settings.NOTIFICATIONS_CALLBACK_SECRET.encode()
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def callback_signature_valid(body: bytes, signature: str) -> bool:
    if not settings.NOTIFICATIONS_CALLBACK_SECRET:
        return False  # unset: nothing is trusted
    return hmac.compare_digest(callback_signature(body), signature or "")


def receipts_record(reports: list[dict]) -> int:
    """Delivery receipts in Alibaba's SmsReport format: biz_id, phone_number, success,
    err_code, report_time."""
    now = timezone.now()
    changed = 0
    for report in reports:
        # Matched by the send key we gave as OutId (the sweep may have recorded a send
        # without the provider's BizId), else by BizId.
        match = (
            {"send_key": str(report["out_id"])}
            if report.get("out_id")
            else {"provider_id": str(report.get("biz_id", ""))}
        )
        rows = Recipient.objects.filter(
            **match,
            address=str(report.get("phone_number", "")),
            state__in=[RecipientState.SENT, RecipientState.SENDING],
        )
        if report.get("success") in (True, "true", "True", 1):
            changed += rows.update(state=RecipientState.DELIVERED, delivered_at=now, updated_at=now)
        else:
            reason = f"{report.get('err_code', '')}: {report.get('err_msg', '')}"[:200]
            changed += rows.update(state=RecipientState.FAILED, reason=reason, updated_at=now)
    return changed


def inbound_record(messages: list[dict]) -> int:
    """Replies in Alibaba's SmsUp format: a reply of TD, R or 退订 opts her out of SMS
    (only SMS: e-mail and her other channels stay as they are), and her change history says
    so, the reply being who made the change."""
    opted = 0
    for message in messages:
        content = str(message.get("content", "")).strip().upper()
        if content not in OPT_OUT_REPLIES:
            continue
        mobile = normalize_mobile(str(message.get("phone_number", "")))
        members = Member.objects.filter(mobile=mobile, status=MemberStatus.CURRENT)
        for member in members:
            now = timezone.now()
            with transaction.atomic():
                _, created = OptOut.objects.get_or_create(
                    member=member,
                    channel=Channel.SMS,
                    defaults={"at": now, "source": OptOutSource.SMS_REPLY},
                )
                if created:
                    change_record(
                        target=member,
                        by=None,
                        action="opt_out_recorded",
                        params={
                            "channel": Channel.SMS,
                            "method": OptOutSource.SMS_REPLY,
                            "date": timezone.localdate(now),
                            "actor": OptOutSource.SMS_REPLY,
                            "reply": content,
                        },
                    )
            opted += int(created)
    return opted


def notice_ids_range(notice_id: int) -> tuple[int, int] | None:
    bounds = Recipient.objects.filter(notice_id=notice_id).aggregate(lo=Min("pk"), hi=Max("pk"))
    return None if bounds["lo"] is None else (bounds["lo"], bounds["hi"])


# --- Consent and opt-out, recorded by staff ------------------------------------------------


def _consent_moment(on: datetime.date) -> datetime.datetime:
    """When it was given: now if today, else that day's start (the day is what is known)."""
    today = timezone.localdate()
    if on > today:
        raise ValidationError(_("This date is in the future."))
    if on == today:
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(on, datetime.time.min))


def _check_may_record(*, by: User, member: Member, channel: str) -> None:
    if not member_abilities(user=by, member=member).change:
        raise PermissionDenied
    if member.erased_at is not None:
        raise ValidationError(_("Her personal data has been erased."))
    if channel not in Channel.values:
        raise ValidationError(_("Choose a channel."))


def consent_record(
    *, by: User, member: Member, channel: str, method: str, on: datetime.date
) -> Consent:
    """Record her consent to be reached on one channel, and how she gave it. Consent given
    again after an opt-out lifts that opt-out, on this channel only."""
    _check_may_record(by=by, member=member, channel=channel)
    if method not in ConsentMethod.values:
        raise ValidationError(_("Say how she gave her consent."))
    given_at = _consent_moment(on)
    with transaction.atomic():
        consent, _created = Consent.objects.update_or_create(
            member=member,
            channel=channel,
            defaults={"given_at": given_at, "method": method, "recorded_by": by},
        )
        lifted, _counts = OptOut.objects.filter(member=member, channel=channel).delete()
        change_record(
            target=member,
            by=by,
            action="consent_recorded",
            params={
                "channel": channel,
                "method": method,
                "date": on,
                "lifted_opt_out": bool(lifted),
            },
        )
    return consent


STAFF_OPT_OUT_SOURCES = (OptOutSource.IN_PERSON, OptOutSource.PAPER_FORM, OptOutSource.PHONE)


def opt_out_record(
    *, by: User, member: Member, channel: str, source: str, on: datetime.date
) -> OptOut:
    """Record that she withdrew her consent / opted out of one channel. Her other channels
    stay as they are; the consent row stays as the record of what she had given."""
    _check_may_record(by=by, member=member, channel=channel)
    if source not in STAFF_OPT_OUT_SOURCES:
        raise ValidationError(_("Say how she asked to opt out."))
    at = _consent_moment(on)
    with transaction.atomic():
        opt_out, _created = OptOut.objects.update_or_create(
            member=member,
            channel=channel,
            defaults={"at": at, "source": source, "recorded_by": by},
        )
        change_record(
            target=member,
            by=by,
            action="opt_out_recorded",
            params={"channel": channel, "method": source, "date": on},
        )
    return opt_out
