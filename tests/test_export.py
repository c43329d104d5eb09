"""The streaming exporter on a real SQLite file: format, formula neutralising, filters, servers."""

from __future__ import annotations

import gzip
import io
import os
from datetime import date

from bot.pledges.export import (
    COLUMNS,
    ExportRequest,
    file_name,
    fit_attachment,
    neutralise,
    write_export,
)
from tests.pledges_admin_helpers import (
    HOSTILE,
    add_campaign,
    add_comment,
    add_pledge,
    read_csv,
    read_json,
)

GUILD = 900000000000000001
OTHER = 900000000000000002


async def export(db, request, fmt="csv") -> bytes:
    sink = io.BytesIO()
    count = await write_export(db, request, fmt, sink)
    data = sink.getvalue()
    rows = read_csv(data) if fmt == "csv" else read_json(data)
    assert len(rows) == count
    return data


async def test_csv_has_bom_fixed_columns_and_neutralised_cells(db):
    campaign = await add_campaign(db, GUILD, "=cmd|' /C calc'!A0")
    ids = [await add_pledge(db, GUILD, text=text, on_behalf_of=text, topic=text, campaign_id=campaign,
                            created_at=f"2024-03-01T10:00:0{i}Z") for i, text in enumerate(HOSTILE)]
    data = await export(db, ExportRequest("pledges", GUILD))
    header = data.decode("utf-8-sig").split("\r\n", 1)[0]
    assert header == ",".join(COLUMNS["pledges"])
    assert header == ("id,created_at,updated_at,status,withdrawn_at,campaign,region,topic,"
                      "on_behalf_of,text,lang,author_id,number,progress,progress_updated_at,"
                      "progress_updates")
    rows = read_csv(data)
    assert [int(r["id"]) for r in rows] == ids
    for row, text in zip(rows, HOSTILE, strict=True):
        for column in ("text", "on_behalf_of", "topic"):
            assert row[column] == neutralise(text)
        assert row["campaign"] == "'=cmd|' /C calc'!A0"
        assert row["author_id"] == "'111"
        assert row["withdrawn_at"] == "" and row["progress"] == "" and row["progress_updates"] == "0"
    dangerous = [r["text"] for r in rows if r["text"][:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert dangerous == []
    assert rows[6]["text"] == 'line one\nline two, with "quotes"'  # kept whole inside quotes
    assert rows[8]["text"] == "Cour pénale, Corte Penal, 🇺🇳 المحكمة"


async def test_neutralise_rule():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("\r=1") == "'\r=1"
    assert neutralise("a=1") == "a=1"
    assert neutralise("") == ""
    assert neutralise(" =1") == "' =1"
    assert neutralise("\n \n@x") == "'\n \n@x"
    assert neutralise(" a=1") == " a=1"


async def test_csv_neutralises_formulas_behind_leading_blanks(db):
    """Importers that trim cells would otherwise see these as formulas (written directly:
    the bot's own forms trim them away)."""
    texts = ["  =HYPERLINK(\"http://evil.example\")", "\n+1+1", " \n @SUM(A1)", "  plain"]
    for text in texts:
        await add_pledge(db, GUILD, text=text, on_behalf_of=text)
    rows = read_csv(await export(db, ExportRequest("pledges", GUILD)))
    expected = ["'  =HYPERLINK(\"http://evil.example\")", "'\n+1+1", "' \n @SUM(A1)", "  plain"]
    assert [r["text"] for r in rows] == expected == [neutralise(t) for t in texts]
    assert [r["on_behalf_of"] for r in rows] == expected


async def test_json_has_the_same_fields_and_exact_values(db):
    await add_campaign(db, GUILD, "Kampala 2010")
    for text in HOSTILE:
        await add_pledge(db, GUILD, text=text, author_id=None, campaign_id=1)
    rows = read_json(await export(db, ExportRequest("pledges", GUILD), "json"))
    assert [list(r) for r in rows] == [list(COLUMNS["pledges"])] * len(HOSTILE)
    assert [r["text"] for r in rows] == HOSTILE  # JSON is for programs: stored exactly
    assert {r["author_id"] for r in rows} == {None}  # anonymised
    assert {r["campaign"] for r in rows} == {"Kampala 2010"}
    assert isinstance(rows[0]["id"], int)


async def test_csv_ids_survive_a_spreadsheet(db):
    """A Discord id has 17 to 20 digits; Excel keeps 15 of a number. As text behind a `'` it
    keeps them all, and the database id and the per-server number stay plain numbers."""
    snowflake = 1576960976975167495
    pledge = await add_pledge(db, GUILD, author_id=snowflake, progress="in_progress",
                              progress_updates=2, progress_at="2024-05-01T00:00:00Z")
    await add_comment(db, GUILD, author_id=snowflake)
    [row] = read_csv(await export(db, ExportRequest("pledges", GUILD)))
    assert row["author_id"] == f"'{snowflake}" and row["id"] == str(pledge)
    assert row["number"] == "1" and row["progress"] == "in_progress"
    assert (row["progress_updated_at"], row["progress_updates"]) == ("2024-05-01T00:00:00Z", "2")
    raw = (await export(db, ExportRequest("comments", GUILD))).decode("utf-8-sig")
    assert f",\"'{snowflake}\"," in raw
    [data] = read_json(await export(db, ExportRequest("pledges", GUILD), "json"))
    assert data["author_id"] == snowflake and data["number"] == 1  # JSON: values as stored


async def test_empty_exports_are_valid_files(db):
    assert read_json(await export(db, ExportRequest("comments", GUILD), "json")) == []
    data = await export(db, ExportRequest("pledges", GUILD))
    assert data == "\ufeff".encode() + ",".join(COLUMNS["pledges"]).encode() + b"\r\n"


async def test_only_this_servers_rows(db):
    await add_campaign(db, OTHER, "Shared name")
    await add_pledge(db, OTHER, text="other server's pledge")
    await add_comment(db, OTHER, text="other server's comment")
    await add_pledge(db, GUILD, text="mine")
    await add_comment(db, GUILD, text="my comment")
    for fmt in ("csv", "json"):
        data = await export(db, ExportRequest("pledges", GUILD), fmt)
        assert b"other server" not in data and b"mine" in data
        data = await export(db, ExportRequest("comments", GUILD), fmt)
        assert b"other server" not in data and b"my comment" in data
    # a campaign of the same name elsewhere does not pull its pledges in
    await add_pledge(db, OTHER, text="other campaign pledge", campaign_id=1)
    assert b"other campaign" not in await export(db, ExportRequest("pledges", GUILD, campaign="Shared name"))


async def test_pledge_filters(db):
    spring = await add_campaign(db, GUILD, "Spring", closed_at="2024-04-01T00:00:00Z")
    await add_pledge(db, GUILD, text="old europe", created_at="2023-12-31T23:59:59Z")
    await add_pledge(db, GUILD, text="spring africa", region="africa", campaign_id=spring,
                     created_at="2024-01-01T00:00:00Z")
    await add_pledge(db, GUILD, text="withdrawn mena", region="mena", status="withdrawn",
                     withdrawn_at="2024-02-01T00:00:00Z", created_at="2024-01-15T00:00:00Z")

    async def texts(**kw):
        rows = read_csv(await export(db, ExportRequest("pledges", GUILD, **kw)))
        return [r["text"] for r in rows]

    assert await texts() == ["old europe", "spring africa"]
    assert await texts(include_withdrawn=True) == ["old europe", "spring africa", "withdrawn mena"]
    assert await texts(since=date(2024, 1, 1)) == ["spring africa"]
    assert await texts(region="africa") == ["spring africa"]
    assert await texts(region="mena") == []
    assert await texts(campaign="Spring") == ["spring africa"]
    assert await texts(campaign="Nope") == []
    rows = read_csv(await export(db, ExportRequest("pledges", GUILD, include_withdrawn=True)))
    assert rows[2]["status"] == "withdrawn" and rows[2]["withdrawn_at"] == "2024-02-01T00:00:00Z"


async def test_comment_filters_and_columns(db):
    await add_comment(db, GUILD, text="-- old", topic="stocktaking", created_at="2023-05-01T00:00:00Z")
    await add_comment(db, GUILD, text="new", topic="outcome-document", author_id=None)
    rows = read_csv(await export(db, ExportRequest("comments", GUILD)))
    assert list(rows[0]) == ["id", "created_at", "topic", "lang", "text", "author_id", "number"]
    assert [r["text"] for r in rows] == ["'-- old", "new"]
    assert rows[1]["author_id"] == ""
    only = read_json(await export(db, ExportRequest("comments", GUILD, topic="stocktaking"), "json"))
    assert [r["text"] for r in only] == ["-- old"]
    since = read_json(await export(db, ExportRequest("comments", GUILD, since=date(2024, 1, 1)), "json"))
    assert [r["text"] for r in since] == ["new"]


async def test_filter_values_are_data_not_sql(db):
    await add_pledge(db, GUILD, text="kept")
    request = ExportRequest("pledges", GUILD, campaign="x' OR 1=1 --", region="europe' OR '1'='1")
    assert read_csv(await export(db, request)) == []
    assert await db.fetchval("SELECT count(*) FROM pledges") == 1


async def test_export_streams_in_chunks(db):
    """Memory stays flat: the sink receives many bounded writes, never the whole file at once."""
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO pledges (guild_id, author_id, text, on_behalf_of, region, topic, lang, "
            "created_at, updated_at) VALUES (?, 1, ?, 'State', 'europe', 't', 'en', ?, ?)",
            [(GUILD, "x" * 200, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z")] * 5000)

    class Sink(io.BytesIO):
        def __init__(self):
            super().__init__()
            self.sizes = []

        def write(self, data):
            self.sizes.append(len(data))
            return super().write(data)

    sink = Sink()
    assert await write_export(db, ExportRequest("pledges", GUILD), "csv", sink) == 5000
    assert len(sink.sizes) >= 5 and max(sink.sizes) < len(sink.getvalue()) / 4


async def test_fit_attachment_compresses_then_gives_up(tmp_path):
    small = tmp_path / "small.csv"
    small.write_bytes(b"a,b\r\n")
    assert fit_attachment(small, "small.csv", 100).compressed is False
    big = tmp_path / "big.csv"
    big.write_bytes(b"same line again\r\n" * 10_000)
    packed = fit_attachment(big, "big.csv", 50_000)
    assert packed.compressed and packed.filename == "big.csv.gz"
    assert packed.path.stat().st_size <= 50_000
    assert gzip.decompress(packed.path.read_bytes()) == big.read_bytes()
    noise = tmp_path / "noise.csv"
    noise.write_bytes(os.urandom(100_000))
    assert fit_attachment(noise, "noise.csv", 50_000) is None


async def test_file_name_is_plain():
    name = file_name(ExportRequest("comments", GUILD), "json", "2024-03-01T10:00:00Z")
    assert name == f"comments-{GUILD}-20240301T100000Z.json"
