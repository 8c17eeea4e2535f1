"""A small SMS gateway of our own that speaks Alibaba Cloud's dysmsapi protocol, for tests
and the bench (`manage.py fake_sms_gateway`). Nothing in production uses it.

It answers the SDK's RPC calls (SendBatchSms, SendSms, QuerySendDetails) in the provider's
JSON, records every message it accepts, and can be told (POST /_fake/control) to fail,
throttle, reject, or be slow before taking a batch or after it (the answer lost with a dead
worker: the case the sweep exists for). Receipts (SmsReport) and replies (SmsUp) go to our
callbacks, signed with the shared secret as our callback expects. GET /_fake/stats says
what it received.
"""

import hashlib
import hmac
import json
import queue
import threading
import time
import uuid
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import requests


class GatewayState:
    def __init__(self, *, callback_url: str = "", inbound_url: str = "", secret: str = ""):
        self.lock = threading.Lock()
        self.callback_url = callback_url
        self.inbound_url = inbound_url
        self.secret = secret
        self.reset()
        self.receipts: queue.Queue = queue.Queue()

    def reset(self) -> None:
        with self.lock:
            self.messages: list[dict] = []  # every accepted message
            self.by_phone: dict[str, list[dict]] = defaultdict(list)
            self.calls = 0
            self.per_second: Counter = Counter()  # messages per calendar second
            self.arrivals: list[tuple[float, int]] = []  # (when, how many) per call taken
            self.mode = "ok"  # ok | fail | throttle | reject
            self.mode_count = 0  # how many calls the mode lasts (0: until changed)
            self.delay = 0.0  # before taking a batch
            self.delay_after = 0.0  # after taking it, before answering (a slow response)
            self.fail_numbers: set[str] = set()
            self.receipts_on = True
            self.wecom: dict[str, list[float]] = {}
            self.wecom_posts: list[dict] = []

    def control(self, command: dict) -> None:
        with self.lock:
            if "mode" in command:
                self.mode = command["mode"]
                self.mode_count = int(command.get("count", 0))
            if "delay" in command:
                self.delay = float(command["delay"])
            if "delay_after" in command:
                self.delay_after = float(command["delay_after"])
            if "fail_numbers" in command:
                self.fail_numbers = set(command["fail_numbers"])
            if "receipts" in command:
                self.receipts_on = bool(command["receipts"])
            if "callback_url" in command:
                self.callback_url = command["callback_url"]
            if "inbound_url" in command:
                self.inbound_url = command["inbound_url"]

    def _take_mode(self) -> str:
        with self.lock:
            mode = self.mode
            if mode != "ok" and self.mode_count:
                self.mode_count -= 1
                if self.mode_count == 0:
                    self.mode = "ok"
            return mode

    def accept(self, phones, params, template_code, out_id) -> str:
        biz_id = f"{int(time.time())}^{uuid.uuid4().hex[:12]}"
        now = time.time()
        with self.lock:
            for phone, param in zip(phones, params, strict=False):
                entry = {
                    "phone": phone,
                    "out_id": out_id,
                    "biz_id": biz_id,
                    "template_code": template_code,
                    "params": param,
                    "at": now,
                }
                self.messages.append(entry)
                self.by_phone[phone].append(entry)
            self.per_second[int(now)] += len(phones)
            self.arrivals.append((now, len(phones)))
        if self.callback_url and self.receipts_on:
            for phone in phones:
                self.receipts.put(
                    {
                        "phone_number": phone,
                        "send_time": time.strftime("%Y-%m-%d %H:%M:%S"),
                        "report_time": time.strftime("%Y-%m-%d %H:%M:%S"),
                        "success": phone not in self.fail_numbers,
                        "err_code": "DELIVERED" if phone not in self.fail_numbers else "MK:0001",
                        "err_msg": "用户接收成功" if phone not in self.fail_numbers else "空号",
                        "sms_size": "1",
                        "biz_id": biz_id,
                        "out_id": out_id,
                    }
                )
        return biz_id

    def stats(self) -> dict:
        with self.lock:
            counts = Counter(m["phone"] for m in self.messages)
            seconds = sorted(self.per_second)
            # The most messages in any one calendar second, and in any one second wherever it
            # starts (sliding: what a provider counting from any moment would see).
            return {
                "calls": self.calls,
                "messages": len(self.messages),
                "phones": len(counts),
                "duplicates": {p: n for p, n in counts.items() if n > 1},
                "max_per_second": max(self.per_second.values(), default=0),
                "max_in_any_second": max_in_window(self.arrivals, 1.0),
                "arrivals": sorted(self.arrivals),
                "first": min((m["at"] for m in self.messages), default=None),
                "last": max((m["at"] for m in self.messages), default=None),
                "busy_seconds": len(seconds),
            }

    def sign(self, body: bytes) -> str:
        return hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()


def max_in_window(arrivals: list[tuple[float, int]], window: float) -> int:
    """The most messages received within any `window` seconds ([t, t + window) for any t):
    such a window holding several arrivals starts, at the latest, at the first of them."""
    arrivals = sorted(arrivals)
    best = inside = 0
    first = 0
    for at, count in arrivals:
        inside += count
        while arrivals[first][0] <= at - window:
            inside -= arrivals[first][1]
            first += 1
        best = max(best, inside)
    return best


def _receipt_pusher(state: GatewayState) -> None:
    """Push receipts in batches, as the provider does, signed for our callback."""
    while True:
        batch = [state.receipts.get()]
        try:
            while len(batch) < 500:
                batch.append(state.receipts.get(timeout=0.2))
        except queue.Empty:
            pass
        if not state.callback_url:
            continue
        body = json.dumps(batch, ensure_ascii=False).encode()
        try:
            requests.post(
                state.callback_url,
                data=body,
                headers={"Content-Type": "application/json", "X-Signature": state.sign(body)},
                timeout=10,
            )
        except requests.RequestException:
            pass  # the provider retries later; for a fake, a lost receipt is fine


def _handler(state: GatewayState):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _json(self, status: int, data) -> None:
            body = json.dumps(data, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _read(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def do_GET(self):
            url = urlparse(self.path)
            if url.path == "/_fake/stats":
                return self._json(200, state.stats())
            if url.path == "/_fake/messages":
                with state.lock:
                    return self._json(200, list(state.messages))
            return self._rpc(parse_qs(url.query), {})

        def do_POST(self):
            url = urlparse(self.path)
            raw = self._read()
            if url.path == "/_fake/control":
                state.control(json.loads(raw or b"{}"))
                return self._json(200, {"ok": True})
            if url.path == "/cgi-bin/webhook/send":
                # A 企业微信 group robot: 20 messages a minute per key, then errcode 45009.
                key = parse_qs(url.query).get("key", [""])[0]
                now = time.time()
                with state.lock:
                    recent = [t for t in state.wecom.get(key, []) if now - t < 60]
                    if len(recent) >= 20:
                        state.wecom[key] = recent
                        return self._json(
                            200, {"errcode": 45009, "errmsg": "api freq out of limit"}
                        )
                    state.wecom[key] = [*recent, now]
                    state.wecom_posts.append({"key": key, "body": json.loads(raw or b"{}")})
                return self._json(200, {"errcode": 0, "errmsg": "ok"})
            if url.path == "/_fake/wecom":
                with state.lock:
                    return self._json(200, list(state.wecom_posts))
            if url.path == "/_fake/reset":
                state.reset()
                return self._json(200, {"ok": True})
            if url.path == "/_fake/reply":
                # A member replies to an SMS (SmsUp): pushed to our inbound callback.
                data = json.loads(raw or b"{}")
                message = [
                    {
                        "phone_number": data["phone"],
                        "send_time": time.strftime("%Y-%m-%d %H:%M:%S"),
                        "content": data["content"],
                        "sign_name": data.get("sign_name", ""),
                        "dest_code": "",
                        "sequence_id": int(time.time() * 1000),
                    }
                ]
                body = json.dumps(message, ensure_ascii=False).encode()
                response = requests.post(
                    state.inbound_url,
                    data=body,
                    headers={"Content-Type": "application/json", "X-Signature": state.sign(body)},
                    timeout=10,
                )
                return self._json(200, {"status": response.status_code})
            form = parse_qs(raw.decode()) if raw else {}
            return self._rpc(parse_qs(url.query), form)

        def _rpc(self, query: dict, form: dict) -> None:
            def value(name: str, default: str = "") -> str:
                for source in (form, query):
                    if name in source:
                        return source[name][0]
                return default

            action = self.headers.get("x-acs-action") or value("Action")
            request_id = str(uuid.uuid4()).upper()
            with state.lock:
                state.calls += 1
            if action in ("SendBatchSms", "SendSms"):
                mode = state._take_mode()
                if state.delay:
                    time.sleep(state.delay)
                if mode == "fail":
                    return self._json(
                        503,
                        {"Code": "ServiceUnavailable", "Message": "busy", "RequestId": request_id},
                    )
                if mode == "throttle":
                    return self._json(
                        200,
                        {
                            "Code": "isv.BUSINESS_LIMIT_CONTROL",
                            "Message": "触发云通信流控限制",
                            "RequestId": request_id,
                        },
                    )
                if mode == "reject":
                    return self._json(
                        200,
                        {
                            "Code": "isv.SMS_TEMPLATE_ILLEGAL",
                            "Message": "该账号下找不到对应模板",
                            "RequestId": request_id,
                        },
                    )
                if action == "SendBatchSms":
                    phones = json.loads(value("PhoneNumberJson", "[]"))
                    params = json.loads(value("TemplateParamJson", "[]") or "[]")
                    if len(phones) > 100:
                        return self._json(
                            200,
                            {
                                "Code": "isv.BATCH_LIMIT",
                                "Message": "批量发送不能超过100个号码",
                                "RequestId": request_id,
                            },
                        )
                else:
                    phones = value("PhoneNumbers").split(",")
                    params = [json.loads(value("TemplateParam", "{}") or "{}")] * len(phones)
                biz_id = state.accept(phones, params, value("TemplateCode"), value("OutId"))
                if state.delay_after:
                    time.sleep(state.delay_after)
                return self._json(
                    200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id}
                )
            if action == "QuerySendDetails":
                phone = value("PhoneNumber")
                with state.lock:
                    entries = list(state.by_phone.get(phone, []))
                details = [
                    {
                        "PhoneNum": e["phone"],
                        "SendStatus": 3,
                        "ErrCode": "DELIVERED",
                        "TemplateCode": e["template_code"],
                        "Content": "",
                        "SendDate": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(e["at"])),
                        "ReceiveDate": time.strftime("%Y-%m-%d %H:%M:%S"),
                        "OutId": e["out_id"],
                    }
                    for e in entries
                ]
                return self._json(
                    200,
                    {
                        "Code": "OK",
                        "Message": "OK",
                        "RequestId": request_id,
                        "TotalCount": len(details),
                        "SmsSendDetailDTOs": {"SmsSendDetailDTO": details},
                    },
                )
            return self._json(
                404,
                {"Code": "InvalidAction.NotFound", "Message": action, "RequestId": request_id},
            )

    return Handler


def serve(*, host: str, port: int, callback_url: str, inbound_url: str, secret: str, ready=None):
    state = GatewayState(callback_url=callback_url, inbound_url=inbound_url, secret=secret)
    server = ThreadingHTTPServer((host, port), _handler(state))
    server.daemon_threads = True
    threading.Thread(target=_receipt_pusher, args=(state,), daemon=True).start()
    if ready:
        ready(server.server_address[1])
    server.serve_forever()
