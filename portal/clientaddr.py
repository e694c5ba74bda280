"""The client's address, as the rate limits (trials/web/ratelimit.py) count it.

Behind `TRUSTED_PROXY_COUNT` proxies (load balancers, TLS terminators) that each append the
address they received the request from to X-Forwarded-For, the client is the entry that many
places from the end: whatever a client writes into the header itself sits further left and is
never read. With the default 0 the header is ignored and REMOTE_ADDR is the client.

Branch `sec` has its own for the login throttle; the two are to be folded into one at merge.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address the first trusted proxy saw, else REMOTE_ADDR (never a forged header)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    candidate = hops[-proxies] if len(hops) >= proxies else hops[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # a proxy that writes something else: count the proxy's own address
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
