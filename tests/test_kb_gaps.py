"""Unanswered questions: stored per server, grouped, pruned, and never with a user id."""


from bot.kb.gaps import GapStore, clean_question, normalize_question

GUILD = 111111111111111111
OTHER = 222222222222222222


async def test_table_has_no_user_column(db):
    columns = {row["name"] for row in await db.fetchall("PRAGMA table_info(kb_gaps)")}
    assert columns == {"id", "guild_id", "question", "normalized", "lang", "asked_at"}


async def test_most_frequent_first_grouped_by_normalized_text(db):
    store = GapStore(db)
    for text in ("Who pays for the ICC?", "who pays for the icc", "WHO PAYS FOR THE ICC!!",
                 "Where is the budget?"):
        assert await store.record(GUILD, text, "en")
    await store.record(GUILD, "¿Quién paga?", "es")
    gaps = await store.top(GUILD)
    assert [g.times for g in gaps] == [3, 1, 1]
    assert gaps[0].question == "WHO PAYS FOR THE ICC!!"  # the latest wording is shown
    assert {g.lang for g in gaps} == {"en", "es"}
    assert await store.count(GUILD) == 5


async def test_other_server_sees_nothing(db):
    store = GapStore(db)
    await store.record(GUILD, "a question here", "fr")
    assert await store.top(OTHER) == []
    assert await store.count(OTHER) == 0
    assert len(await store.top(GUILD)) == 1


async def test_hostile_text_is_cleaned_or_refused(db):
    store = GapStore(db)
    assert not await store.record(GUILD, "   \t\n ", "en")
    assert not await store.record(GUILD, "?!... ---", "en")
    assert await store.record(GUILD, "a\x00b\x1bc\u200b d" + "x" * 5000, "en")
    row = await db.fetchone("SELECT question, normalized FROM kb_gaps WHERE guild_id = ?", (GUILD,))
    assert "\x00" not in row["question"] and "\x1b" not in row["question"]
    assert len(row["question"]) <= 500 and len(row["normalized"]) <= 500
    assert clean_question("=HYPERLINK(\"x\")\n@everyone") == '=HYPERLINK("x") @everyone'
    assert normalize_question("Árticulo 88 ?") == "articulo 88"


async def test_each_server_keeps_only_its_newest_questions(db):
    store = GapStore(db, keep=3)
    for n in range(6):
        await store.record(GUILD, f"question number {n}", "en")
    await store.record(OTHER, "kept elsewhere", "en")
    for n in range(2):
        await store.record(OTHER, f"other {n}", "en")
    rows = await db.fetchall("SELECT question FROM kb_gaps WHERE guild_id = ? ORDER BY id", (GUILD,))
    assert [r["question"] for r in rows] == [f"question number {n}" for n in (3, 4, 5)]
    assert await store.count(OTHER) == 3
