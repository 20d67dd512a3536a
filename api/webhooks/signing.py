"""What a delivery looks like on the wire: its JSON body, its headers, its signature, the POST.

A receiver checks `X-Mentoring-Signature` by computing the hex HMAC-SHA256, keyed with the
subscription's secret, of `<X-Mentoring-Timestamp>.<raw body>`, comparing in constant time,
and refusing timestamps more than a few minutes old (a replayed request).
"""

import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.request

from api.webhooks.addresses import connect_public
from api.webhooks.models import WebhookDelivery

USER_AGENT = "Mentoring-Webhooks/1"
ERROR_BODY_LIMIT = 500  # characters of a failed answer kept in the delivery log


def delivery_body(delivery: WebhookDelivery) -> str:
    """The JSON body, the same bytes on every attempt (keys sorted, no spaces)."""
    document = {
        "id": str(delivery.event_id),
        "event": delivery.event,
        "program": delivery.subscription.program_id,
        "occurred_at": delivery.occurred_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def signature(*, secret: str, timestamp: str, body: str) -> str:
    message = f"{timestamp}.{body}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def delivery_headers(delivery: WebhookDelivery, body: str, *, timestamp: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Mentoring-Event": delivery.event,
        "X-Mentoring-Delivery": str(delivery.uuid),
        "X-Mentoring-Timestamp": timestamp,
        "X-Mentoring-Signature": signature(
            secret=delivery.subscription.secret, timestamp=timestamp, body=body
        ),
    }


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a place to POST to: urllib would re-send it as a GET
    without the body (and to wherever the receiver points)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class _PublicHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = connect_public


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = connect_public


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)


# Straight to the receiver: no proxy from the environment (the address check is of the
# receiver), no redirects, and every socket opened to an address checked as public.
_opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), _NoRedirects, _PublicHTTPHandler, _PublicHTTPSHandler
)


def webhook_post(*, delivery: WebhookDelivery, timeout: float) -> tuple[int | None, str]:
    """POST the delivery to its subscription's URL; returns (response code or None, error
    text: "" on a 2xx answer). Never raises for what a receiver or the network does."""
    body = delivery_body(delivery)
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310  the URL is validated http(s) on save
        delivery.subscription.url,
        data=body.encode(),
        headers=delivery_headers(delivery, body, timestamp=timestamp),
        method="POST",
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        text = exc.read(ERROR_BODY_LIMIT).decode("utf-8", "replace") if exc.fp else ""
        return exc.code, f"HTTP {exc.code}: {text}".strip()[:2000]
    except (
        urllib.error.URLError,
        http.client.HTTPException,
        OSError,
        ValueError,
    ) as exc:  # timeouts, refusals, DNS
        reason = getattr(exc, "reason", exc)
        return None, f"{exc.__class__.__name__}: {reason}"[:2000]
