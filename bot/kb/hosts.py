"""The source-host policy: document-dump and mirror sites are never cited anywhere in data/.

Such sites copy official documents without provenance (a scanned "RC/ST/CP/2" on a dump site may
be an earlier draft or altered), so a member cannot trust what they show. The list is the one
the knowledge-base policy names; a host is refused with all of its subdomains.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

REFUSED_HOSTS = (
    "scribd.com", "docslib.org", "lawsdocbox.com", "businessdocbox.com", "docplayer.net",
    "zbook.org", "wikimili.com", "fdocuments.net", "pdfslide.us", "pdfslide.net",
    "everything2.com", "humanrightsvoices.org", "zaki.ru", "vlex.com",
)
# Hosts refused by a label rather than a domain: docplayer.* in every country, zbook.* likewise,
# and IPFS gateways ("<cid>.ipfs.dweb.link", "ipfs.io", "<cid>.ipfs.<any gateway>").
REFUSED_LABELS = ("docplayer", "zbook")
REFUSED_SUFFIXES = ("ipfs.io", "dweb.link")
# Anything that looks like a web address inside a string (a body may link a source inline).
URL_IN_TEXT = re.compile(r"https?://[^\s\"'<>)\]]+", re.IGNORECASE)


def host_of(url: str) -> str:
    try:
        return (urlparse(url.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def refused(url: str) -> bool:
    """Whether the address is on a refused host (or one of its subdomains)."""
    host = host_of(url)
    if not host:
        return False
    labels = host.split(".")
    return (any(host == h or host.endswith("." + h) for h in REFUSED_HOSTS)
            or any(label in REFUSED_LABELS for label in labels[:-1])
            or ".ipfs." in f".{host}."
            or any(host == s or host.endswith("." + s) for s in REFUSED_SUFFIXES))


def urls_in(value: Any) -> Iterator[str]:
    """Every web address in a parsed YAML document, in fields and inside text alike."""
    if isinstance(value, str):
        yield from URL_IN_TEXT.findall(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from urls_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from urls_in(item)
