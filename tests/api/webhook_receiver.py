"""A real HTTP receiver for webhook tests: a local server in a thread that records what it is
sent, checks signatures the way a receiver's documentation says to, and answers as scripted."""

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.test import override_settings


@dataclass
class Received:
    headers: dict[str, str]
    body: str

    @property
    def document(self) -> dict:
        return json.loads(self.body)

    def signature_valid(self, secret: str, *, max_age: int = 300) -> bool:
        timestamp = self.headers["X-Mentoring-Timestamp"]
        if abs(time.time() - int(timestamp)) > max_age:
            return False
        expected = hmac.new(
            secret.encode(), f"{timestamp}.{self.body}".encode(), hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(expected, self.headers["X-Mentoring-Signature"])


@dataclass
class Receiver:
    """`answers`: what to do for each request in turn (an int status, or ("sleep", seconds));
    when they run out, 200."""

    answers: list = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def next_answer(self):
        return self.answers.pop(0) if self.answers else 200


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length).decode()
            receiver.received.append(Received(headers=dict(self.headers), body=body))
            answer = receiver.next_answer()
            if isinstance(answer, tuple):
                time.sleep(answer[1])
                answer = 200
            self.send_response(answer)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if answer < 300 else b"receiver is unwell")

        def log_message(self, format, *args):
            pass

    return Handler


class ReceiverServer:
    def __init__(self):
        self.receiver = Receiver()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.receiver))
        self.server.daemon_threads = True
        host, port = self.server.server_address[:2]
        self.receiver.url = f"http://{host}:{port}/hooks/mentoring"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        # The receiver listens on this machine's loopback, an address webhooks are otherwise
        # never sent to (api/webhooks/addresses.py).
        self.allowed = override_settings(WEBHOOK_PRIVATE_ADDRESSES_ALLOWED=True)
        self.allowed.enable()
        self.thread.start()
        return self.receiver

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.allowed.disable()
