"""Which address a request comes from, when reverse proxies may stand in between (pure).

Every proxy appends the address it was connected from to X-Forwarded-For, so only the entries
written by proxies we trust are true; everything to their left came from the client and can
say anything. The client is therefore the right-most hop that is not a trusted proxy, and the
header is only read at all when the TCP peer itself is a trusted proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from app.config import IPNetwork

MAX_HOP_CHARS = 64  # an unparsable hop is kept as a key, but never a long one


def _address(hop: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    hop = hop.strip()
    if hop.startswith("[") and "]" in hop:  # [2001:db8::1]:443
        hop = hop[1:hop.index("]")]
    elif hop.count(":") == 1:  # 192.0.2.1:443
        hop = hop.split(":", 1)[0]
    try:
        return ipaddress.ip_address(hop)
    except ValueError:
        return None


def is_trusted(hop: str, trusted: Sequence[IPNetwork]) -> bool:
    address = _address(hop)
    return address is not None and any(address in network for network in trusted)


def resolve_client(*, peer: str, forwarded_for: Iterable[str],
                   trusted: Sequence[IPNetwork]) -> str:
    """The client's address: the peer, or — only when the peer is a trusted proxy — the
    right-most X-Forwarded-For hop that is not a trusted proxy."""
    if not is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop, trusted):
            address = _address(hop)
            return str(address) if address is not None else hop[:MAX_HOP_CHARS]
    # every hop is one of our proxies (or there is no header): the left-most is the origin
    return str(_address(hops[0])) if hops else peer
