"""Pledge and comment storage, input cleaning and the submission limit, on a real SQLite file."""

import unicodedata

import pytest
from discord import app_commands

from bot.errors import UserError
from bot.pledges import mydata
from bot.pledges.ratelimit import SubmissionLimiter
from bot.pledges.store import CommentStore, PledgeDraft, PledgeStore
from bot.pledges.text import (
    COMMENT_TEXT,
    ON_BEHALF_OF,
    PLEDGE_TEXT,
    check_region,
    check_topic,
    checked_id,
    clean,
)
from bot.text import strip_controls

G, OTHER_G = 111, 222
ANA, BRUNO = 1001, 1002
DRAFT = PledgeDraft("Adopt implementing legislation", "Republic of Kenya", "africa", "pledges")


async def open_campaign(db, guild, name, *, closes_at=None, closed_at=None):
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO campaigns (guild_id, name, opened_by, opened_at, closes_at, closed_at) "
            "VALUES (?, ?, 9, '2024-01-01T00:00:00Z', ?, ?)", (guild, name, closes_at, closed_at))
    return cur.lastrowid


# --- text cleaning ---------------------------------------------------------------------------

def test_clean_trims_normalises_and_keeps_unicode_exactly():
    text = "  مرحبا 👩🏽\u200d⚖️ ñ\u00ad <@123> @everyone =HYPERLINK(\"x\")\r\nline2\r  "
    assert clean(text, PLEDGE_TEXT) == (
        "مرحبا 👩🏽\u200d⚖️ ñ\u00ad <@123> @everyone =HYPERLINK(\"x\")\nline2")


def test_clean_removes_bidirectional_controls():
    text = "\u202bمرحبا\u202c \u202eevil\u202c \u2066x\u2069\u200e\u200f\u061c."
    assert clean(text, PLEDGE_TEXT) == "مرحبا evil x."


@pytest.mark.parametrize("field", [PLEDGE_TEXT, ON_BEHALF_OF, COMMENT_TEXT])
@pytest.mark.parametrize("value", [
    "\u200b", "\u200b\u200c\u200d\u2060\ufeff\u00ad", " \u200b\n\u2063 ", "\u202e\u202c",
    "\u3164\u115f", "\u2800", "\ufe0f\u034f", "\U000e0041\U000e007f", "\u180e\u2028\u3000",
])
def test_invisible_only_text_is_refused_like_empty_text(field, value):
    with pytest.raises(UserError) as caught:
        clean(value, field)
    assert caught.value.key == field.empty_key


def test_clean_strips_control_characters_and_lone_surrogates():
    assert clean("a\x00b\x1b[31mc\td\x7fe\ud800f\nok", PLEDGE_TEXT) == "ab[31mcdef\nok"


def test_strip_controls_removes_exactly_the_control_surrogate_and_bidi_characters():
    """Every code point: removed iff Unicode calls it Cc or Cs (newline excepted) or it is one
    of the twelve bidirectional controls."""
    every = "".join(chr(c) for c in range(0x110000))
    bidi = {"\u061c", "\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)),
            *map(chr, range(0x2066, 0x206A))}
    expected = "".join(ch for ch in every if ch == "\n" or (
        unicodedata.category(ch) not in ("Cc", "Cs") and ch not in bidi))
    assert strip_controls(every.replace("\r", "")) == expected


@pytest.mark.parametrize("value", ["", "   ", "\n\t\x00 ", None, 42, ["x"]])
def test_clean_rejects_empty_and_wrong_types(value):
    with pytest.raises(UserError) as caught:
        clean(value, ON_BEHALF_OF)
    assert caught.value.key == "pledges.error.behalf_empty"


def test_clean_enforces_limits_after_cleaning():
    assert len(clean("x" * 1000, PLEDGE_TEXT)) == 1000
    assert clean("x" * 1000 + "\x00" * 50, PLEDGE_TEXT) == "x" * 1000
    with pytest.raises(UserError) as caught:
        clean("x" * 1501, COMMENT_TEXT)
    assert caught.value.key == "comments.error.too_long"
    assert caught.value.kwargs == {"limit": 1500, "count": 1501}


def test_region_topic_and_id_validation():
    assert check_region("asia-pacific") == "asia-pacific"
    for bad in ("mars", "Europe", "", None, ["europe"]):
        with pytest.raises(UserError):
            check_region(bad)
    assert check_topic("pledges", {"pledges"}) == "pledges"
    with pytest.raises(UserError):
        check_topic("../etc/passwd", {"pledges"})
    assert checked_id(5, "pledges.not_found") == 5
    for bad in (0, -1, 2**63, 10**30, True):
        with pytest.raises(UserError) as caught:
            checked_id(bad, "pledges.not_found")
        assert caught.value.key == "pledges.not_found"


# --- pledges ---------------------------------------------------------------------------------

async def test_create_without_any_campaign_attaches_to_none(db):
    pledge = await PledgeStore(db).create(G, ANA, DRAFT, "fr")
    row = await db.fetchone("SELECT * FROM pledges WHERE id = ?", (pledge.id,))
    assert row["campaign_id"] is None and row["author_id"] == ANA and row["lang"] == "fr"
    assert row["status"] == "active" and row["created_at"].endswith("Z")


async def test_create_attaches_to_open_campaign_and_refuses_after_close(db):
    store = PledgeStore(db)
    campaign = await open_campaign(db, G, "Review Conference", closes_at="2999-01-01T00:00:00Z")
    pledge = await store.create(G, ANA, DRAFT, "en")
    assert pledge.campaign_id == campaign
    await db.execute("UPDATE campaigns SET closed_at = '2024-02-01T00:00:00Z'")
    with pytest.raises(UserError) as caught:
        await store.create(G, ANA, DRAFT, "en")
    assert caught.value.key == "pledges.campaign_closed"
    assert caught.value.kwargs["name"] == "Review Conference"
    assert await db.fetchval("SELECT count(*) FROM pledges") == 1
    # another server is unaffected by this server's campaigns
    assert (await store.create(OTHER_G, ANA, DRAFT, "en")).campaign_id is None


async def test_campaign_past_its_closing_date_is_closed(db):
    await open_campaign(db, G, "Kampala", closes_at="2010-06-11T23:59:59Z")
    state = await PledgeStore(db).campaign_state(G)
    assert state.closed and state.open_id is None


async def test_owner_only_access_same_error_for_foreign_and_missing(db):
    store = PledgeStore(db)
    mine = await store.create(G, ANA, DRAFT, "en")
    for guild, author, pledge_id in ((G, BRUNO, mine.id), (OTHER_G, ANA, mine.id), (G, ANA, 999)):
        for call in (store.get_own(guild, author, pledge_id),
                     store.withdraw(guild, author, pledge_id),
                     store.update(guild, author, pledge_id, DRAFT)):
            with pytest.raises(UserError) as caught:
                await call
            assert caught.value.key == "pledges.not_found"
    assert (await store.get_own(G, ANA, mine.id)).text == DRAFT.text


async def test_update_then_withdraw_keeps_the_row(db):
    store = PledgeStore(db)
    pledge = await store.create(G, ANA, DRAFT, "en", now="2024-01-01T00:00:00Z")
    changed = PledgeDraft("New text", "ONG Colombia", "americas", "agreements")
    updated = await store.update(G, ANA, pledge.id, changed, now="2024-01-02T00:00:00Z")
    assert (updated.text, updated.region, updated.updated_at) == (
        "New text", "americas", "2024-01-02T00:00:00Z")
    assert updated.created_at == "2024-01-01T00:00:00Z"
    withdrawn = await store.withdraw(G, ANA, pledge.id, now="2024-01-03T00:00:00Z")
    assert withdrawn.status == "withdrawn" and withdrawn.withdrawn_at == "2024-01-03T00:00:00Z"
    for call in (store.withdraw(G, ANA, pledge.id), store.update(G, ANA, pledge.id, DRAFT)):
        with pytest.raises(UserError) as caught:
            await call
        assert caught.value.key == "pledges.already_withdrawn"
    assert await db.fetchval("SELECT count(*) FROM pledges") == 1


async def test_edit_refused_once_campaign_closed_but_withdraw_allowed(db):
    store = PledgeStore(db)
    await open_campaign(db, G, "Drive")
    pledge = await store.create(G, ANA, DRAFT, "en")
    await db.execute("UPDATE campaigns SET closed_at = '2024-02-01T00:00:00Z'")
    with pytest.raises(UserError) as caught:
        await store.update(G, ANA, pledge.id, DRAFT)
    assert caught.value.key == "pledges.edit_closed"
    assert (await store.withdraw(G, ANA, pledge.id)).status == "withdrawn"


async def test_mine_pages_newest_first_and_only_own(db):
    store = PledgeStore(db)
    ids = [(await store.create(G, ANA, DRAFT, "en")).id for _ in range(7)]
    await store.create(G, BRUNO, DRAFT, "en")
    await store.create(OTHER_G, ANA, DRAFT, "en")
    first, total = await store.mine(G, ANA, limit=5)
    second, _ = await store.mine(G, ANA, limit=5, offset=5)
    assert total == 7
    assert [p.id for p in first + second] == ids[::-1]


# --- comments --------------------------------------------------------------------------------

async def test_comments_create_list_and_really_delete(db):
    store = CommentStore(db)
    comment = await store.create(G, ANA, "outcome-document", "Más claridad ✊", "es")
    await store.create(G, BRUNO, "outcome-document", "other", "en")
    listed, total = await store.mine(G, ANA)
    assert total == 1 and listed[0].text == "Más claridad ✊"
    for guild, author in ((G, BRUNO), (OTHER_G, ANA)):
        with pytest.raises(UserError) as caught:
            await store.delete(guild, author, comment.id)
        assert caught.value.key == "comments.not_found"
    await store.delete(G, ANA, comment.id)
    assert await db.fetchval("SELECT count(*) FROM comments WHERE id = ?", (comment.id,)) == 0


# --- member data -----------------------------------------------------------------------------

async def seed(db):
    pledges, comments = PledgeStore(db), CommentStore(db)
    await pledges.create(G, ANA, DRAFT, "en")
    withdrawn = await pledges.create(G, ANA, DRAFT, "en")
    await pledges.withdraw(G, ANA, withdrawn.id)
    await comments.create(G, ANA, "pledges", "c1", "en")
    await pledges.create(G, BRUNO, DRAFT, "en")
    await pledges.create(OTHER_G, ANA, DRAFT, "en")
    await comments.create(OTHER_G, ANA, "pledges", "elsewhere", "en")


async def test_collect_and_export_are_scoped_to_member_and_server(db):
    import json

    await seed(db)
    data = await mydata.collect(db, G, ANA)
    assert (len(data.pledges), len(data.comments)) == (2, 1)
    document = json.loads(mydata.export_json(data).decode("utf-8"))
    assert document["member_id"] == str(ANA) and document["server_id"] == str(G)
    assert {p["status"] for p in document["pledges"]} == {"active", "withdrawn"}
    assert [c["text"] for c in document["comments"]] == ["c1"]


@pytest.mark.parametrize("choice", ["delete", "anonymise"])
async def test_erase_records_choice_without_member_id(db, choice):
    await seed(db)
    done = await mydata.erase(db, G, ANA, choice)
    assert (done.pledges, done.comments) == (2, 1)
    assert await db.fetchval("SELECT count(*) FROM pledges WHERE author_id = ? AND guild_id = ?",
                             (ANA, G)) == 0
    anonymous = await db.fetchval("SELECT count(*) FROM pledges WHERE author_id IS NULL")
    assert anonymous == (2 if choice == "anonymise" else 0)
    assert await db.fetchval("SELECT count(*) FROM comments WHERE guild_id = ?", (G,)) == 0
    record = await db.fetchone("SELECT * FROM data_deletions")
    assert (record["guild_id"], record["choice"], record["pledges"], record["comments"]) == (
        G, choice, 2, 1)
    assert str(ANA) not in " ".join(str(v) for v in tuple(record))
    # the other server and the other member are untouched
    assert await db.fetchval("SELECT count(*) FROM pledges WHERE guild_id = ?", (OTHER_G,)) == 1
    assert await db.fetchval("SELECT count(*) FROM pledges WHERE author_id = ?", (BRUNO,)) == 1


# --- rate limit ------------------------------------------------------------------------------

def test_limiter_sliding_window_per_key_and_refund():
    now = [1000.0]
    limiter = SubmissionLimiter(3, 60, clock=lambda: now[0])
    for _ in range(3):
        limiter.hit("ana")
    with pytest.raises(app_commands.CommandOnCooldown) as caught:
        limiter.hit("ana")
    assert 59 <= caught.value.retry_after <= 60
    limiter.hit("bruno")  # another member is not blocked
    limiter.refund("ana")
    limiter.hit("ana")
    now[0] += 61
    assert limiter.retry_after("ana") == 0
    limiter.hit("ana")


async def test_concurrent_creates_are_grouped_and_each_gets_its_own_row(db):
    import asyncio

    store = PledgeStore(db)
    await open_campaign(db, OTHER_G, "Closed", closed_at="2024-01-01T00:00:00Z")
    calls = [store.create(G if i % 3 else OTHER_G, 5000 + i,
                          PledgeDraft(f"pledge {i}", f"state {i}", "europe", "pledges"), "en")
             for i in range(60)]
    results = await asyncio.gather(*calls, return_exceptions=True)
    for i, result in enumerate(results):
        if i % 3 == 0:
            assert isinstance(result, UserError) and result.key == "pledges.campaign_closed"
            continue
        row = await db.fetchone("SELECT author_id, text, guild_id FROM pledges WHERE id = ?",
                                (result.id,))
        assert (row["author_id"], row["text"], row["guild_id"]) == (5000 + i, f"pledge {i}", G)
    assert await db.fetchval("SELECT count(*) FROM pledges") == 40
