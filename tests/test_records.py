"""Records that never shift: ids never reused, per-server numbers, and the migration that
brought them keeping existing data and every reference already handed out."""

import sqlite3

from bot.storage import Database
from bot.storage.database import migration_files
from tests.test_pledges_member import FORM, make

G, OTHER = 111, 222


def database_at_version_4(path):
    """A database as the bot left it before migration 5, with rows in two servers."""
    with sqlite3.connect(path) as conn:
        for version, _, sql in migration_files()[:4]:
            conn.executescript(sql)
            conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("PRAGMA foreign_keys = ON")
        for i, guild in enumerate((G, G, OTHER, G, OTHER, G), start=1):
            conn.execute(
                "INSERT INTO pledges (id, guild_id, author_id, text, on_behalf_of, region, topic, "
                "lang, created_at, updated_at) VALUES (?, ?, 7, ?, 'State', 'europe', 'pledges', "
                "'en', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')", (i, guild, f"pledge {i}"))
        conn.execute("DELETE FROM pledges WHERE id = 3")
        conn.execute("INSERT INTO comments (id, guild_id, author_id, topic, text, lang, created_at) "
                     "VALUES (3, ?, 7, 'pledges', 'c', 'en', '2024-01-01T00:00:00Z')", (G,))
        conn.execute("INSERT INTO export_audit (id, guild_id, moderator_id, kind, format, filters, "
                     "row_count, created_at) VALUES (4, ?, 9, 'pledges', 'csv', '{}', 3, 'x')", (G,))
        conn.execute("INSERT INTO feeds (id, guild_id, url, added_by, added_at, next_attempt_at) "
                     "VALUES (2, ?, 'https://example.org/feed', 9, 'x', 'x')", (G,))
        conn.execute("INSERT INTO resources (id, guild_id, url, title, source, feed_id, created_at) "
                     "VALUES (1, ?, 'https://example.org/a', 'A', 'feed', 2, 'x')", (G,))
        conn.execute("INSERT INTO feed_entries (feed_id, key, guild_id) VALUES (2, 'g:a', ?)", (G,))


async def test_migration_keeps_rows_ids_and_references(tmp_path):
    path = tmp_path / "old.sqlite3"
    database_at_version_4(path)
    db = await Database.open(path)
    try:
        assert await db.user_version() == len(migration_files())
        assert await db.fetchval("PRAGMA foreign_keys") == 1
        assert await db.integrity_check() == []
        rows = await db.fetchall("SELECT id, guild_id, number, text FROM pledges ORDER BY id")
        # every id an export or receipt showed still names the same pledge, as its number too
        assert [tuple(r) for r in rows] == [(1, G, 1, "pledge 1"), (2, G, 2, "pledge 2"),
                                            (4, G, 4, "pledge 4"), (5, OTHER, 5, "pledge 5"),
                                            (6, G, 6, "pledge 6")]
        assert tuple(await db.fetchone("SELECT id, number FROM comments")) == (3, 3)
        assert tuple(await db.fetchone("SELECT id, number FROM export_audit")) == (4, 4)
        # the feed kept its id, its resource and what it had seen (nothing cascaded)
        assert await db.fetchval("SELECT feed_id FROM resources") == 2
        assert await db.fetchval("SELECT count(*) FROM feed_entries") == 1
        async with db.transaction() as conn:
            for guild in (G, OTHER, 333):
                await conn.execute(
                    "INSERT INTO pledges (guild_id, author_id, text, on_behalf_of, region, topic, "
                    "lang, created_at, updated_at) VALUES (?, 7, 'new', 'S', 'global', 'other', "
                    "'en', 'x', 'x')", (guild,))
        new = await db.fetchall("SELECT id, guild_id, number FROM pledges WHERE text = 'new'")
        # new numbers start above every id seen before, in every server (3, deleted before
        # the migration, is not handed out again either)
        assert [tuple(r) for r in new] == [(7, G, 7), (8, OTHER, 7), (9, 333, 7)]
        await db.execute("DELETE FROM pledges WHERE id >= 7")
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO pledges (guild_id, author_id, text, on_behalf_of, region, topic, "
                "lang, created_at, updated_at) VALUES (?, 7, 'again', 'S', 'mena', 'other', "
                "'en', 'x', 'x')", (G,))
        again = await db.fetchone("SELECT id, number FROM pledges WHERE text = 'again'")
        assert tuple(again) == (10, 8)
        await db.execute("DELETE FROM feeds WHERE id = 2")
        await db.execute("INSERT INTO feeds (guild_id, url, added_by, added_at, next_attempt_at) "
                         "VALUES (?, 'https://example.org/feed', 9, 'x', 'x')", (G,))
        assert await db.fetchval("SELECT id FROM feeds") == 3
    finally:
        await db.close()


async def test_a_fresh_database_numbers_each_server_from_one(db):
    async with db.transaction() as conn:
        for guild in (G, OTHER, G, G, OTHER):
            await conn.execute(
                "INSERT INTO comments (guild_id, author_id, topic, text, lang, created_at) "
                "VALUES (?, 1, 't', 'x', 'en', 'x')", (guild,))
    rows = await db.fetchall("SELECT id, guild_id, number FROM comments ORDER BY id")
    assert [tuple(r) for r in rows] == [(1, G, 1), (2, OTHER, 1), (3, G, 2), (4, G, 3),
                                        (5, OTHER, 2)]


async def test_numbers_are_not_reused_after_mydata_delete(world):
    """The bug this fixes: after /mydata delete the next pledge was "#1" again."""
    await make(world)
    await make(world, world.outsider)  # another server's activity does not move our numbers
    await make(world, values={"pledge_text": "second"})
    confirm = await world.h.slash("mydata delete", user=world.member)
    await world.h.click(confirm, "mydata:delete", user=world.member)
    assert await world.db.fetchval("SELECT count(*) FROM pledges WHERE guild_id = ?",
                                   (world.guild_id,)) == 0
    _, receipt = await make(world, world.other_member, values={"pledge_text": "after"})
    row = await world.db.fetchone("SELECT id, number FROM pledges WHERE text = 'after'")
    assert row["number"] == 3 and row["id"] == 4
    assert "Pledge #3 saved" in receipt.text() and "#4" not in receipt.text()
    outsider = await world.h.slash("pledge mine", user=world.outsider)
    assert "#1" in outsider.text() and FORM["pledge_text"] in outsider.text()


async def test_audit_lists_per_server_numbers(world):
    other_mod = world.h.moderator(world.other_guild_id, "otra")
    for user in (other_mod, world.moderator, other_mod, world.moderator):
        await world.h.slash("pledges export", {"format": "csv"}, user=user)
    reply = await world.h.slash("pledges audit", {}, user=world.moderator)
    assert "#2 ·" in reply.text() and "#1 ·" in reply.text() and "#4" not in reply.text()
