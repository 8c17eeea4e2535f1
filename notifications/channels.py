"""Channels behind one adapter interface.

A backend sends one batch of messages under one send key and answers with an Outcome; the
services decide what the outcome does to the recipients' rows. `lookup` asks the gateway
which numbers it accepted under a send key (the sweep's question about a worker that died
between sending and recording), or answers None when the channel cannot tell.

- ConsoleSmsBackend: development; logs masked numbers, keeps what it sent in memory.
- AliyunSmsBackend: Alibaba Cloud SMS through its official SDK (SendBatchSms, ≤100 numbers
  a call; QuerySendDetails), its endpoint configurable (tests and the bench point it at
  `manage.py fake_sms_gateway`).
- MailerEmailBackend: e-mail through Django's MAILERS.
- WeComBot: a 企业微信 group robot's webhook (a post, not a per-member message).
"""

import datetime
import json
import logging
from dataclasses import dataclass, field
from typing import Protocol

import requests
from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.utils.module_loading import import_string

from members.models import mask_mobile

logger = logging.getLogger(__name__)

ACCEPTED = "accepted"
TRANSIENT = "transient"  # not taken: try again later
PERMANENT = "permanent"  # will never be taken: fail the recipients with the reason
UNKNOWN = "unknown"  # may or may not have been taken: leave to the sweep


@dataclass
class Message:
    recipient_id: int
    address: str
    text: str  # what the recipient reads (preview, console, e-mail)
    params: dict[str, str] = field(default_factory=dict)  # the template's variables


@dataclass
class Outcome:
    kind: str
    provider_id: str = ""
    reason: str = ""


@dataclass
class Batch:
    send_key: str
    messages: list[Message]
    subject: str = ""
    template_code: str = ""
    signature: str = ""


class Backend(Protocol):
    batch_size: int

    def send(self, batch: Batch) -> Outcome: ...

    def lookup(self, *, send_key: str, addresses: list[str], day: datetime.date) -> dict | None:
        """{address: provider_id} of the addresses the gateway accepted under send_key."""
        ...


class ConsoleSmsBackend:
    batch_size = 100
    sent: list[tuple[str, Batch]] = []

    def send(self, batch: Batch) -> Outcome:
        for message in batch.messages:
            logger.info("SMS to %s: %s", mask_mobile(message.address), message.text)
        ConsoleSmsBackend.sent.append((batch.send_key, batch))
        return Outcome(ACCEPTED, provider_id=f"console-{batch.send_key}")

    def lookup(self, *, send_key, addresses, day):
        taken = {
            a
            for key, b in ConsoleSmsBackend.sent
            if key == send_key
            for a in (m.address for m in b.messages)
        }
        return {a: f"console-{send_key}" for a in addresses if a in taken}


# Alibaba's codes: retry later, or fail the recipient with the reason.
ALIYUN_TRANSIENT = {
    "isv.BUSINESS_LIMIT_CONTROL",
    "Throttling.User",
    "Throttling",
    "ServiceUnavailable",
    "InternalError",
    "isp.SYSTEM_ERROR",
    "isp.RAM_PERMISSION_DENY",
}


class AliyunSmsBackend:
    batch_size = 100  # SendBatchSms takes at most 100 numbers a call

    def __init__(self):
        # Imported here, not in the first send: a send follows its admission by the global
        # limit at once (notifications.ratelimit), and a slow first call would push it into
        # the next batches' second at the gateway.
        import alibabacloud_dysmsapi20170525.models  # noqa: F401
        import alibabacloud_tea_openapi.exceptions  # noqa: F401
        import darabonba.runtime  # noqa: F401
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import utils_models

        config = utils_models.Config(
            access_key_id=settings.ALIYUN_SMS_ACCESS_KEY_ID or "unset",
            access_key_secret=settings.ALIYUN_SMS_ACCESS_KEY_SECRET or "unset",
            endpoint=settings.ALIYUN_SMS_ENDPOINT,
            protocol=settings.ALIYUN_SMS_PROTOCOL,
        )
        self.client = Client(config)

    def _runtime(self):
        from darabonba.runtime import RuntimeOptions

        # No retry inside the SDK: a retry after a timeout could send twice; ours are
        # decided by the outcome (and the sweep asks the gateway first).
        return RuntimeOptions(
            autoretry=False,
            max_attempts=0,
            read_timeout=settings.ALIYUN_SMS_TIMEOUT_MS,
            connect_timeout=2000,
        )

    def send(self, batch: Batch) -> Outcome:
        from alibabacloud_dysmsapi20170525 import models as sms
        from alibabacloud_tea_openapi.exceptions import AlibabaCloudException

        request = sms.SendBatchSmsRequest(
            phone_number_json=json.dumps([m.address for m in batch.messages]),
            sign_name_json=json.dumps([batch.signature] * len(batch.messages), ensure_ascii=False),
            template_code=batch.template_code,
            template_param_json=json.dumps([m.params for m in batch.messages], ensure_ascii=False),
            out_id=batch.send_key,
        )
        try:
            response = self.client.send_batch_sms_with_options(request, self._runtime())
        except AlibabaCloudException as error:
            code = getattr(error, "code", "") or ""
            status = getattr(error, "status_code", None) or 0
            if code in ALIYUN_TRANSIENT or status >= 500 or status == 429:
                return Outcome(TRANSIENT, reason=f"{code or status}")
            return Outcome(PERMANENT, reason=f"{code}: {getattr(error, 'message', '')}"[:200])
        except Exception as error:  # timeout, connection reset: it may have been taken
            return Outcome(UNKNOWN, reason=type(error).__name__)
        body = response.body
        if body.code == "OK":
            return Outcome(ACCEPTED, provider_id=body.biz_id or "")
        if body.code in ALIYUN_TRANSIENT:
            return Outcome(TRANSIENT, reason=body.code)
        return Outcome(PERMANENT, reason=f"{body.code}: {body.message}"[:200])

    def lookup(self, *, send_key, addresses, day):
        from alibabacloud_dysmsapi20170525 import models as sms

        found = {}
        for address in addresses:
            request = sms.QuerySendDetailsRequest(
                phone_number=address,
                send_date=day.strftime("%Y%m%d"),
                page_size=50,
                current_page=1,
            )
            response = self.client.query_send_details_with_options(request, self._runtime())
            body = response.body
            if body.code != "OK":
                raise RuntimeError(f"QuerySendDetails: {body.code}")
            details = (
                body.sms_send_detail_dtos.sms_send_detail_dto if body.sms_send_detail_dtos else []
            )
            for detail in details or []:
                if detail.out_id == send_key:
                    found[address] = getattr(detail, "biz_id", None) or f"out-{send_key}"
        return found


class MailerEmailBackend:
    batch_size = 50

    def send(self, batch: Batch) -> Outcome:
        messages = [
            EmailMessage(subject=batch.subject, body=m.text, to=[m.address]) for m in batch.messages
        ]
        try:
            mailers.default.send_messages(messages)
        except OSError as error:  # the SMTP server is down or refused: try again later
            return Outcome(TRANSIENT, reason=type(error).__name__)
        return Outcome(ACCEPTED, provider_id=f"mail-{batch.send_key}")

    def lookup(self, *, send_key, addresses, day):
        return None  # a mail server cannot be asked what it accepted


def sms_backend() -> Backend:
    global _sms_backend
    if (
        _sms_backend is None
        or type(_sms_backend).__name__ != settings.NOTIFICATIONS_SMS_BACKEND.rsplit(".", 1)[-1]
    ):
        _sms_backend = import_string(settings.NOTIFICATIONS_SMS_BACKEND)()
    return _sms_backend


_sms_backend: Backend | None = None


def backend_for(channel: str) -> Backend:
    if channel == "sms":
        return sms_backend()
    return MailerEmailBackend()


# --- 企业微信 group robot -------------------------------------------------------------------

WECOM_RATE_PER_MINUTE = 20


def wecom_post(*, webhook_url: str, text: str) -> Outcome:
    """Post markdown into the group. errcode 45009 is the robot's 20-a-minute limit."""
    try:
        response = requests.post(
            webhook_url,
            json={"msgtype": "markdown", "markdown": {"content": text}},
            timeout=10,
        )
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        return Outcome(TRANSIENT, reason=type(error).__name__)
    code = data.get("errcode")
    if code == 0:
        return Outcome(ACCEPTED)
    if code in (45009, -1):
        return Outcome(TRANSIENT, reason=f"errcode {code}")
    return Outcome(PERMANENT, reason=f"errcode {code}: {data.get('errmsg', '')}"[:200])
