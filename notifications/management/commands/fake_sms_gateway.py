"""Run the fake SMS gateway (Alibaba's protocol) on 127.0.0.1 for tests, the bench and a
developer's laptop. Point the app at it with ALIYUN_SMS_ENDPOINT=127.0.0.1:PORT
ALIYUN_SMS_PROTOCOL=HTTP NOTIFICATIONS_SMS_BACKEND=notifications.channels.AliyunSmsBackend."""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from notifications.fake_gateway import serve


class Command(BaseCommand):
    help = "A fake Alibaba Cloud SMS gateway on 127.0.0.1 (tests, bench, development)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8025, help="0 picks a free port")
        parser.add_argument(
            "--callback-url", default="", help="where receipts go (…/notifications/receipts/)"
        )
        parser.add_argument("--inbound-url", default="", help="where replies go")

    def handle(self, *args, **options):
        def ready(port):
            # The first line of output is the port, for scripts that asked for port 0.
            sys.stdout.write(f"{port}\n")
            sys.stdout.flush()

        serve(
            host="127.0.0.1",
            port=options["port"],
            callback_url=options["callback_url"],
            inbound_url=options["inbound_url"],
            secret=settings.NOTIFICATIONS_CALLBACK_SECRET,
            ready=ready,
        )
