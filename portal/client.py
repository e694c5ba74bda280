"""The client's address: one definition for whatever counts requests per client (the login
throttle, trials/admin/login.py; the rate limits, trials/web/ratelimit.py).

Behind N reverse proxies that each append the address they saw to X-Forwarded-For
(`TRUSTED_PROXY_COUNT` = N), the client is the Nth address from the right: the one the outermost
trusted proxy saw. Anything further left was written by the client and may be forged. With 0
(the default: no proxy, or one that does not append) the header is ignored and the address is
the socket's peer, REMOTE_ADDR.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """The address requests are counted under (`TRUSTED_PROXY_COUNT` says which hop)."""
    remote = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    hops = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if not hops:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [part.strip() for part in header.split(",") if part.strip()]
    if len(forwarded) < hops:
        # Fewer hops than trusted proxies: the request did not come through all of them (or a
        # proxy was misconfigured); the peer is the only address nobody could forge.
        return remote
    candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def client_key(address: str) -> str | None:
    """What one client is, for counting: an IPv4 address, or an IPv6 address's /64 (one
    machine or household is given a whole /64, and could otherwise change address at will).
    None when there is no address (a server on a unix socket with no trusted proxy set):
    counting every client under one name would refuse them all together."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
