"""Webhooks go to public addresses only.

A subscription's URL is chosen by a coordinator, and the worker that POSTs to it sits inside
the institution's network: without a check, a URL could make the worker reach the database,
Redis, a cloud's metadata service or an intranet page, and the delivery log would show the
first characters of the answer. So a URL whose host is a private, loopback, link-local,
shared, multicast or reserved address is refused when it is saved, and every connection is
made to an address checked after resolving the name (a name that resolves to such an address
is refused when the delivery is sent, and a name cannot change its answer between the check
and the connection: the socket is opened to the checked address).

`WEBHOOK_PRIVATE_ADDRESSES_ALLOWED` lifts the rule, for a receiver on the institution's own
network or a developer's machine.
"""

import ipaddress
import socket

from django.conf import settings
from django.utils.translation import gettext as _

LOCAL_NAMES = ("localhost", "localhost.localdomain")


class RefusedAddress(OSError):
    """The receiver's host is, or resolves to, an address webhooks are not sent to."""


def private_addresses_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOK_PRIVATE_ADDRESSES_ALLOWED", False))


def address_public(text: str) -> bool:
    """Whether `text` (an IPv4 or IPv6 address) is one a webhook may be sent to: globally
    routable, not multicast, reserved or unspecified (IPv4 inside IPv6 is judged as IPv4)."""
    address = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            address = embedded
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


def host_refusal(host: str) -> str | None:
    """Why a URL with this host is refused when it is saved (an address or a local name that
    needs no lookup), else None. Names are checked again, resolved, when a delivery is sent."""
    if private_addresses_allowed() or not host:
        return None
    name = host.strip("[]").rstrip(".").lower()
    if name in LOCAL_NAMES or name.endswith(".localhost"):
        return _("A webhook URL cannot point to this computer (%(host)s).") % {"host": host}
    try:
        public = address_public(name)
    except ValueError:  # a name, not an address
        return None
    if not public:
        return _(
            "A webhook URL must point to a public address: %(host)s is a private, local or "
            "reserved network address."
        ) % {"host": host}
    return None


def connect_public(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):
    """`socket.create_connection` for webhooks: resolves the host once, refuses it when any
    of its addresses is not public (unless allowed), and connects to the checked addresses."""
    host, port = address
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not private_addresses_allowed():
        for *_, sockaddr in infos:
            if not address_public(sockaddr[0]):
                raise RefusedAddress(
                    f"refused: {host} resolves to {sockaddr[0]}, a private, local or reserved "
                    "address; webhooks are sent to public addresses only"
                )
    error = None
    for *_, sockaddr in infos:  # each checked address, as socket.create_connection would
        try:
            return socket.create_connection(sockaddr[:2], timeout, source_address)
        except OSError as exc:
            error = exc
    raise error if error is not None else OSError(f"{host} has no address")
