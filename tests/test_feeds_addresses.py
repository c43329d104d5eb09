"""The SSRF filter: no private IPv4 address gets through inside an IPv6 one, literal or resolved."""

from __future__ import annotations

import asyncio
import socket
from ipaddress import IPv4Address, IPv6Address, ip_network

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from hypothesis import given
from hypothesis import strategies as st

from bot.resources.addresses import public_address, public_ipv4
from bot.resources.feedstore import Validators
from bot.resources.fetch import FeedError, FeedFetcher, PublicResolver
from tests.resources_helpers import Document, Entry, rss

NON_PUBLIC_V4 = [ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/29", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
)]
private_v4 = st.sampled_from(NON_PUBLIC_V4).flatmap(lambda net: st.integers(
    int(net.network_address), int(net.broadcast_address)).map(IPv4Address))
any_v4 = st.integers(0, 2**32 - 1).map(IPv4Address)
public_v4 = st.sampled_from([ip_network(n) for n in (
    "1.0.0.0/8", "8.0.0.0/7", "11.0.0.0/8", "45.0.0.0/8", "81.0.0.0/8", "104.16.0.0/12",
    "151.101.0.0/16", "185.0.0.0/8", "193.0.0.0/8", "200.0.0.0/8", "223.0.0.0/8",
)]).flatmap(lambda net: st.integers(int(net.network_address), int(net.broadcast_address))
            .map(IPv4Address))
bits = st.integers(0, 2**80 - 1)


def mapped(v4, _extra):
    return IPv6Address(0xFFFF << 32 | int(v4))


def compatible(v4, _extra):
    return IPv6Address(int(v4))


def translated(v4, _extra):  # SIIT ::ffff:0:a.b.c.d
    return IPv6Address(0xFFFF << 48 | int(v4))


def nat64(v4, _extra):
    return IPv6Address(0x64FF9B << 96 | int(v4))


def local_nat64(v4, extra):  # 64:ff9b:1::/48, anywhere in its 80 free bits
    return IPv6Address(0x64FF9B0001 << 80 | ((extra << 32 | int(v4)) & (2**80 - 1)))


def sixtofour(v4, extra):
    return IPv6Address(0x2002 << 112 | int(v4) << 80 | extra)


def teredo(v4, extra):  # 2001:0:server:flags:port:client, the client's bits inverted
    server, rest = extra >> 48 & 0xFFFFFFFF, extra & 0xFFFFFFFF
    return IPv6Address(0x20010000 << 96 | server << 64 | rest << 32 | (~int(v4) & 0xFFFFFFFF))


def site_local(v4, extra):
    return IPv6Address(0xFEC0 << 112 | ((extra << 32 | int(v4)) & (2**112 - 1)))


CARRY_IPV4 = [mapped, translated, nat64, sixtofour]
ALWAYS_REFUSED = [compatible, local_nat64, teredo, site_local]


@given(v4=private_v4, extra=bits, form=st.sampled_from(CARRY_IPV4 + ALWAYS_REFUSED))
def test_a_private_ipv4_is_refused_in_every_ipv6_form(v4, extra, form):
    address = form(v4, extra)
    assert not public_address(str(address)), (form.__name__, v4, address)
    assert not public_address(f"{address}%eth0")
    assert not public_address(str(v4))


@given(v4=public_v4, extra=bits, form=st.sampled_from(CARRY_IPV4))
def test_a_public_ipv4_may_be_reached_through_the_forms_that_carry_it(v4, extra, form):
    """The filter refuses by what an address reaches, not by how it is written."""
    assert public_ipv4(v4)
    assert public_address(str(form(v4, extra)))
    assert public_address(str(v4))


@given(v4=any_v4, extra=bits, form=st.sampled_from(ALWAYS_REFUSED))
def test_deprecated_local_and_tunnel_forms_are_refused_whatever_they_carry(v4, extra, form):
    assert not public_address(str(form(v4, extra)))


@pytest.mark.parametrize(("text", "public"), [
    ("2606:4700:4700::1111", True), ("8.8.8.8", True), ("fe80::1", False), ("fc00::1", False),
    ("ff0e::1", False), ("::", False), ("::1", False), ("224.0.0.1", False), ("feeds.example.org", False),
])
def test_plain_addresses(text, public):
    assert public_address(text) is public


class StaticResolver(AbstractResolver):
    """Stands in for DNS: each name answers with the given addresses."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        self.asked.append(host)
        return [ResolveResult(hostname=host, host=a, port=port, family=socket.AF_INET6, proto=0,
                              flags=0) for a in self.answers[host]]

    async def close(self) -> None:
        pass


@given(v4=private_v4, extra=bits, form=st.sampled_from(CARRY_IPV4 + ALWAYS_REFUSED))
def test_resolved_answers_are_filtered_the_same_way(v4, extra, form):
    hidden = str(form(v4, extra))
    resolver = PublicResolver(StaticResolver({"mixed.test": [hidden, "2606:4700::1"],
                                              "hidden.test": [hidden, str(v4)]}))
    kept = asyncio.run(resolver.resolve("mixed.test", 443))
    assert [r["host"] for r in kept] == ["2606:4700::1"]
    with pytest.raises(OSError, match="no public address"):
        asyncio.run(resolver.resolve("hidden.test", 443))


async def test_the_fetcher_refuses_hidden_private_addresses_before_connecting(server):
    """Literal and resolved, through the real fetch: the local feed server sees nothing."""
    server.documents["rss"] = Document(rss([Entry("One", "https://ngo.example.org/1")]))
    names = StaticResolver({"feeds.test": ["::ffff:127.0.0.1", "64:ff9b::7f00:1",
                                           "2002:7f00:1::1", "::127.0.0.1"]})
    fetcher = FeedFetcher(timeout=2.0, resolver=names)
    try:
        for literal in ("[::ffff:127.0.0.1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::]",
                        "[::127.0.0.1]", "[fec0::1]", "[64:ff9b:1::a00:1]"):
            with pytest.raises(FeedError) as caught:
                await fetcher.fetch(f"http://{literal}:{server.port}/rss", Validators())
            assert caught.value.reason == "private_address", literal
        with pytest.raises(FeedError) as caught:
            await fetcher.fetch(f"http://feeds.test:{server.port}/rss", Validators())
        assert caught.value.reason == "network"
    finally:
        await fetcher.close()
    assert names.asked == ["feeds.test"]
    assert server.requests == []
