"""Canonical URLs: the identity of a resource inside a server.

The same report reaches us from two feeds, or from a feed and a moderator, with different
tracking parameters, fragments or host case. Reducing each URL to one form before storing it is
what makes "announced once" hold.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

MAX_URL_LENGTH = 2000
DEFAULT_PORTS = {"http": 80, "https": 443}
# Parameters that say who shared a link, not what it points to.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid",
    "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "ref_src", "oly_enc_id",
    "oly_anon_id", "vero_id", "wickedid", "si",
})
TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "piwik_", "matomo_", "hsa_")
# DNS labels after IDNA encoding (underscores occur in real subdomains).
_HOST = re.compile(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*")


class InvalidURL(ValueError):
    """Not an http(s) URL we can store; `reason` is a short catalogue suffix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


MAX_HOST = 253
MAX_LABEL = 63


def canonical_url(raw: object) -> str:
    """Lower-case scheme and host, default port and fragment dropped, tracking parameters removed,
    the remaining query sorted. Raises InvalidURL for anything but a plain http(s) URL."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        raise InvalidURL("empty")
    if len(text) > MAX_URL_LENGTH:
        raise InvalidURL("too_long")
    if any(ord(c) < 33 or ord(c) == 127 for c in text):
        raise InvalidURL("spaces")
    if not text.isascii() and any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise InvalidURL("malformed")  # a lone surrogate: no byte sequence can carry it
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL("malformed") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidURL("scheme")
    host = (parts.hostname or "").rstrip(".")
    if not host or parts.username is not None or parts.password is not None:
        raise InvalidURL("malformed")
    # DNS allows 253 characters and 63 a label, and an encoded label is never shorter than its
    # text; Python's IDNA codec is quadratic in a label's length, so refuse before encoding.
    if len(host) > MAX_HOST or any(len(label) > MAX_LABEL for label in host.split(".")):
        raise InvalidURL("malformed")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise InvalidURL("malformed") from exc
    if not (_HOST.fullmatch(host) or _is_ip(host)):
        raise InvalidURL("malformed")  # e.g. "a`b.org": no real host, and it breaks markdown
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    )
    canonical = urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))
    if len(canonical) > MAX_URL_LENGTH:  # percent-encoding can make it several times longer
        raise InvalidURL("too_long")
    return canonical
