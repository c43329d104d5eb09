"""Which network addresses the bot may fetch a feed from: public ones, however they are written.

Any server's moderators can add a feed, so the address filter is what keeps them from making the
bot probe its own network (SSRF). IPv6 has several ways to carry an IPv4 address, and a NAT64
gateway, a 6to4 relay or a dual-stack socket turns them back into that IPv4 address: for us
`64:ff9b::10.0.0.1` is 10.0.0.1. Python's `is_global` misses most of these forms (3.11.7 calls
`64:ff9b::a00:1`, `2002:a00:1::`, `::a00:1` and `fec0::1` global) and its answers change between
releases, so the rule is written out here, once, for literal hosts and resolved answers alike.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

NAT64 = ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix: IPv4 in the last 32 bits
LOCAL_NAT64 = ip_network("64:ff9b:1::/48")  # RFC 8215: local use, never public
IPV4_COMPATIBLE = ip_network("::/96")  # deprecated by RFC 4291 (also holds :: and ::1)
IPV4_TRANSLATED = ip_network("::ffff:0:0:0/96")  # SIIT (RFC 2765): IPv4 in the last 32 bits
SITE_LOCAL = ip_network("fec0::/10")  # deprecated by RFC 3879; private wherever still used
TEREDO = ip_network("2001::/32")  # RFC 4380: a tunnel endpoint, not a web server
REFUSED_V6 = (LOCAL_NAT64, IPV4_COMPATIBLE, SITE_LOCAL, TEREDO)


def public_ipv4(address: IPv4Address) -> bool:
    return address.is_global and not address.is_multicast


def embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address this IPv6 address stands for, when it is one of the forms that carry it."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64 or address in IPV4_TRANSLATED:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def public_ipv6(address: IPv6Address) -> bool:
    if any(address in network for network in REFUSED_V6):
        return False
    carried = embedded_ipv4(address)
    if carried is not None:
        return public_ipv4(carried)
    return address.is_global and not address.is_multicast


def public_address(text: str) -> bool:
    """True only for an address literal that is safe to connect to; False for names too."""
    try:
        address = ip_address(text.split("%", maxsplit=1)[0])
    except ValueError:
        return False
    if isinstance(address, IPv4Address):
        return public_ipv4(address)
    return public_ipv6(address)


def is_address(text: str) -> bool:
    try:
        ip_address(text.split("%", maxsplit=1)[0])
    except ValueError:
        return False
    return True
