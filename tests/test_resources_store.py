"""Canonical URLs, the resource store, search and the seed, on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.resources.render import fit_lines
from bot.resources.seed import SeedError, ensure_seeded, load_seed
from bot.resources.store import NewResource, ResourceStore, fts_query, resource_nonce
from bot.resources.text import InvalidField, parse_published
from bot.resources.urls import InvalidURL, canonical_url
from bot.text import clean_text

ROOT = Path(__file__).resolve().parent.parent
GUILD = 111111111111111111
OTHER_GUILD = 222222222222222222


@pytest.mark.parametrize(("raw", "canonical"), [
    ("HTTP://WWW.HRW.org:80/Topic?b=2&utm_source=x&a=1#frag", "http://www.hrw.org/Topic?a=1&b=2"),
    ("https://example.org:443", "https://example.org/"),
    ("https://example.org:8443/x?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&id=7", "https://example.org:8443/x?id=7"),
    ("  https://exämple.org/é  ", "https://xn--exmple-cua.org/%C3%A9"),
    ("https://example.org/?q=", "https://example.org/?q="),
])
def test_canonical_url(raw, canonical):
    assert canonical_url(raw) == canonical
    assert canonical_url(canonical) == canonical  # stable


@pytest.mark.parametrize(("raw", "reason"), [
    ("", "empty"), ("   ", "empty"), ("javascript:alert(1)", "scheme"), ("ftp://x.org/f", "scheme"),
    ("http://", "malformed"), ("https://user:pw@x.org/", "malformed"), ("https://x.org/a b", "spaces"),
    ("https://x.org/\x00", "spaces"), ("https://x.org:99999/", "malformed"),
    ("https://x.org/" + "a" * 2001, "too_long"), ("www.hrw.org", "scheme"),
    ("https://a`b.org/x", "malformed"), ("https://exa*mple.org/", "malformed"),
    ("http://%41.org/", "malformed"),
    ("https://x.org/" + "é" * 400, "too_long"),  # short as typed, 2414 characters encoded
])
def test_bad_urls_are_refused(raw, reason):
    with pytest.raises(InvalidURL) as caught:
        canonical_url(raw)
    assert caught.value.reason == reason


def test_text_cleaning_and_dates():
    assert clean_text("a\x00b\u200b\nc\u202e  d\u2028e", 100) == "a b c d e"
    assert clean_text("x" * 300, 10) == "x" * 9 + "…"
    assert parse_published(" 2012-04-13 ") == "2012-04-13"
    assert parse_published("") is None
    for bad in ("13/04/2012", "2012-02-30", "2012-4-1", "1812-01-01", "=NOW()"):
        with pytest.raises(InvalidField):
            parse_published(bad)


def test_fts_query_neutralises_syntax():
    assert fts_query('bechir OR "x" NEAR(a b) * ^col:') == (
        '"bechir"* "OR"* "x"* "NEAR"* "a"* "b"* "col"*')
    assert fts_query('"*()-:^') is None
    assert fts_query("") is None


def resource(url, title, **kw):
    return NewResource(url=canonical_url(url), title=title, **kw)


async def test_one_resource_per_canonical_url_and_server(db):
    store = ResourceStore(db)
    first = await store.add(GUILD, resource("http://a.org/x?utm_medium=m", "A"))
    assert first is not None
    assert await store.add(GUILD, resource("HTTP://A.ORG/x#y", "A again")) is None
    assert await store.add(OTHER_GUILD, resource("http://a.org/x", "Theirs")) is not None
    rows = await db.fetchall("SELECT guild_id, nonce FROM outbox ORDER BY id")
    assert [r["guild_id"] for r in rows] == [GUILD, OTHER_GUILD]
    assert rows[0]["nonce"] != rows[1]["nonce"]
    assert rows[0]["nonce"] == resource_nonce(GUILD, "http://a.org/x")
    assert len(rows[0]["nonce"]) <= 25
    assert await store.add(GUILD, resource("http://b.org/", "Quiet"), announce=False)
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE guild_id = ?", (GUILD,)) == 1


async def test_search_is_accent_insensitive_and_per_server(db):
    store = ResourceStore(db)
    await store.add(GUILD, resource("http://u.org/stop", "Stop Béchir", author="Urgence Darfour"))
    await store.add(GUILD, resource("http://h.org/b", "Bosco Ntaganda - Wanted for War Crimes",
                                    author="Human Rights Watch", region="africa"))
    await store.add(OTHER_GUILD, resource("http://o.org/b", "Béchir elsewhere"))
    assert [r.title for r in await store.search(GUILD, "bechir")] == ["Stop Béchir"]
    assert [r.title for r in await store.search(GUILD, "BÉCH")] == ["Stop Béchir"]
    assert [r.url for r in await store.search(GUILD, "human rights")] == ["http://h.org/b"]
    assert await store.search(GUILD, "darfour", region="africa") == []
    assert [r.title for r in await store.search(OTHER_GUILD, "bechir")] == ["Béchir elsewhere"]


@pytest.mark.parametrize("query", [
    '"', "'", "*", "(", ")", "AND", "OR NOT", "NEAR(", "title:x", "^x", '" OR "',
    "a" * 5000, "\x00", "-- ;DROP TABLE resources", "=HYPERLINK(\"x\")", "@everyone",
])
async def test_hostile_search_queries_never_raise(db, query):
    store = ResourceStore(db)
    await store.add(GUILD, resource("http://u.org/stop", "Stop Béchir"))
    assert isinstance(await store.search(GUILD, query), list)
    assert await store.count(GUILD) == 1


async def test_latest_filters_and_removal(db):
    store = ResourceStore(db)
    old = await store.add(GUILD, resource("http://a.org/1", "Old", published="2012-04-11",
                                          kind="video", region="africa"))
    await store.add(GUILD, resource("http://a.org/2", "New", published="2024-01-01",
                                    kind="report", region="europe"))
    assert [r.title for r in await store.latest(GUILD)] == ["New", "Old"]
    assert [r.title for r in await store.latest(GUILD, region="africa")] == ["Old"]
    assert [r.title for r in await store.latest(GUILD, kind="report")] == ["New"]
    assert not await store.remove(OTHER_GUILD, old)
    assert await store.remove(GUILD, old)
    assert await store.search(GUILD, "old") == []
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE resource_id = ?", (old,)) == 0


def test_the_shipped_seed_is_valid_and_has_the_seed_pages_items():
    seeds = {s.title: s for s in load_seed(ROOT / "data" / "resources.yaml")}
    hrw = seeds["Bosco Ntaganda - Wanted for War Crimes"]
    assert (hrw.author, hrw.published, hrw.kind) == ("Human Rights Watch", "2012-04-13", "video")
    assert hrw.url == "http://www.hrw.org/topic/international-justice/bosco-ntaganda"
    stop = seeds["Stop Béchir (Urgence Darfour video; the link opens the Coalition page that lists it)"]
    assert (stop.author, stop.published) == ("Urgence Darfour", "2012-04-11")
    assert stop.url.startswith("http") and stop.source == "seed"


@pytest.mark.parametrize("text", [
    "resources: [{title: No URL}]",
    "resources: [{url: 'javascript:x', title: T}]",
    "resources: [{url: 'http://a.org', title: T, published: 13/04/2012}]",
    "resources: [{url: 'http://a.org', title: T}, {url: 'HTTP://A.ORG/', title: U}]",
    "resources: nope",
])
def test_bad_seed_files_are_refused(tmp_path, text):
    path = tmp_path / "resources.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SeedError):
        load_seed(path)


async def test_seed_loads_once_per_server_and_is_not_announced(db):
    data = ROOT / "data"
    assert await ensure_seeded(db, GUILD, data) >= 2
    assert await ensure_seeded(db, GUILD, data) == 0
    store = ResourceStore(db)
    [stop] = await store.search(GUILD, "bechir")
    await store.remove(GUILD, stop.id)
    assert await ensure_seeded(db, GUILD, data) == 0  # a removed seed stays removed
    assert await store.search(GUILD, "bechir") == []
    assert await ensure_seeded(db, OTHER_GUILD, data) >= 2
    assert await db.fetchval("SELECT count(*) FROM outbox") == 0


def test_listings_keep_whole_lines_and_say_how_many_were_left_out():
    lines = [f"line {i} " + "x" * 90 for i in range(60)]
    text = fit_lines(lines, 4000, "… and {count} more.")
    kept = text.split("\n")
    assert len(text) <= 4000 and kept[-1].startswith("… and ")
    assert kept[-1] == f"… and {60 - (len(kept) - 1)} more."
    assert all(line in lines for line in kept[:-1])
    assert fit_lines(lines[:3], 4000, "… and {count} more.") == "\n".join(lines[:3])


def test_a_host_longer_than_dns_allows_is_refused_before_encoding():
    label = "".join(chr(0x4E00 + i) for i in range(64))
    for url in (f"https://{label}.org/", "https://" + ".".join(["a" * 60] * 5) + "/"):
        with pytest.raises(InvalidURL):
            canonical_url(url)
    assert canonical_url("https://" + "a" * 63 + ".org/x") == "https://" + "a" * 63 + ".org/x"
