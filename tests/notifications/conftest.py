import json
import os
import subprocess
import sys
import urllib.request

import pytest

from notifications.models import SmsSignature, SmsTemplate

SECRET = "test-callback-secret-0123456789"


class Gateway:
    """The fake Alibaba gateway, a real process on 127.0.0.1, and how to talk to it."""

    def __init__(self, process, port):
        self.process = process
        self.port = port
        self.endpoint = f"127.0.0.1:{port}"
        self.url = f"http://127.0.0.1:{port}"

    def _call(self, path, data=None):
        body = None if data is None else json.dumps(data).encode()
        request = urllib.request.Request(  # noqa: S310 - the local fake gateway
            self.url + path, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.loads(response.read())

    def control(self, **command):
        return self._call("/_fake/control", command)

    def reset(self):
        return self._call("/_fake/reset", {})

    def stats(self):
        return self._call("/_fake/stats")

    def messages(self):
        return self._call("/_fake/messages")

    def reply(self, phone, content):
        return self._call("/_fake/reply", {"phone": phone, "content": content})


def start_gateway(extra_args=(), env=None):
    process = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "manage.py", "fake_sms_gateway", "--port", "0", *extra_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "NOTIFICATIONS_CALLBACK_SECRET": SECRET, **(env or {})},
    )
    line = process.stdout.readline().strip()
    if not line.isdigit():
        process.kill()
        raise RuntimeError(f"the fake gateway did not start: {line}{process.stdout.read()}")
    return Gateway(process, int(line))


@pytest.fixture(scope="session")
def gateway_process():
    gateway = start_gateway()
    yield gateway
    gateway.process.terminate()
    gateway.process.wait(timeout=10)


@pytest.fixture
def gateway(gateway_process, settings):
    """The SDK pointed at the fake gateway, freshly reset."""
    gateway_process.reset()
    gateway_process.control(callback_url="")
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.AliyunSmsBackend"
    settings.ALIYUN_SMS_ENDPOINT = gateway_process.endpoint
    settings.ALIYUN_SMS_PROTOCOL = "HTTP"
    settings.NOTIFICATIONS_CALLBACK_SECRET = SECRET
    from notifications import channels

    channels._sms_backend = None  # a fresh client for the endpoint of this test
    yield gateway_process
    channels._sms_backend = None


@pytest.fixture
def template(db):
    signature = SmsSignature.objects.create(name="芦淞妇联", approved=True)
    return SmsTemplate.objects.create(
        code="SMS_480012345",
        name="会议通知",
        body="{姓名}您好，{市场}妇联定于{时间}召开会员大会，请准时参加。",
        signature=signature,
        approved=True,
    )
