"""Campaign lists, chart reports and Excel exports for moderators, through the real tree and
the command line; workbooks are read back with openpyxl, PNGs with Pillow."""

from __future__ import annotations

import asyncio
import io
import os
import sys
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils.escape import unescape
from PIL import Image

from bot.cli import build_parser
from bot.pledges import audit, report
from bot.pledges.charts import build_figure, render_png
from bot.pledges.export import neutralise
from bot.pledges.xlsx import formula_like, headers
from tests.pledges_admin_helpers import HOSTILE, add_campaign, add_comment, add_pledge
from tests.test_pledges_admin_store import settings_for

ROOT = Path(__file__).resolve().parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SNOWFLAKE = 1576960976975167495


async def seed_campaign(db, guild_id):
    spring = await add_campaign(db, guild_id, "Spring 2024", remind_days=None)
    await add_campaign(db, guild_id, "Kampala 2010", opened_at="2010-05-31T00:00:00Z",
                       closed_at="2010-06-11T00:00:00Z")
    rows = [("africa", "pledges", "fulfilled", "active", spring),
            ("africa", "agreements", "in_progress", "active", spring),
            ("global", "other", None, "active", spring),
            ("europe", "pledges", None, "withdrawn", spring),
            ("mena", "stocktaking", "planned", "active", None)]
    for i, (region, topic, progress, status, campaign) in enumerate(rows):
        await add_pledge(db, guild_id, region=region, topic=topic, progress=progress, status=status,
                         campaign_id=campaign, author_id=SNOWFLAKE + i,
                         progress_updates=1 if progress else 0,
                         created_at=f"2024-03-0{i + 1}T10:00:00Z")
    return spring


# -- campaigns -------------------------------------------------------------------------------


async def test_campaign_list_with_counts_for_this_server_only(world):
    await seed_campaign(world.db, world.guild_id)
    await add_campaign(world.db, world.other_guild_id, "Elsewhere")
    reply = await world.h.slash("pledges campaign list", {}, user=world.moderator)
    text = reply.text()
    assert reply.ephemeral and "Elsewhere" not in text
    assert text.index("Spring 2024") < text.index("Kampala 2010")  # newest first
    assert "Spring 2024** · open · 4 pledges, 1 withdrawn, 2 with progress reported, 1 fulfilled" in text
    assert "Kampala 2010** · closed June 11, 2010 · 0 pledges" in text
    assert "Outside any campaign:* 1 pledge, 0 withdrawn, 1 with progress reported" in text
    french = await world.h.slash("pledges campaign list", {}, user=world.moderator, locale="fr")
    assert "Hors campagne" in french.text() and "ouverte" in french.text()
    refused = await world.h.slash("pledges campaign list", {}, user=world.member, check=False)
    assert "moderators" in refused.text() and "Spring" not in refused.text()


async def test_campaign_list_when_there_is_none(world):
    reply = await world.h.slash("pledges campaign list", {}, user=world.moderator, locale="es-ES")
    assert "/compromisos campaña abrir" in reply.text()


async def test_campaign_reminder_default_is_offered_first(world):
    opened = await world.h.slash("pledges campaign open", {"name": "Drive", "remind_after": 45},
                                 user=world.moderator)
    assert "45 days" in opened.text()
    form = await world.h.slash("pledge make", user=world.member)
    remind = [c for c in form.modal["components"] if c["component"].get("custom_id") == "remind"]
    assert [o["value"] for o in remind[0]["component"]["options"] if o.get("default")] == ["45"]
    for days in (0, 366):
        bad = await world.h.slash("pledges campaign open", {"name": f"Bad {days}",
                                                            "remind_after": days},
                                  user=world.moderator, check=False)
        assert "Bad" not in bad.text()
    assert await world.db.fetchval("SELECT count(*) FROM campaigns") == 1


# -- the chart report ------------------------------------------------------------------------


def texts_of(figure) -> str:
    from matplotlib.text import Text

    return "\n".join(item.get_text() for item in figure.findobj(Text))


@pytest.mark.parametrize(("lang", "expected"), [
    ("fr", ("Engagements actifs par région", "Afrique", "Mondial", "Tenu", "Pas encore de point",
            "Engagements : Spring 2024", "mars 2024")),
    ("es", ("Compromisos activos por región", "África", "Mundial", "Cumplido", "Aún sin novedades",
            "Compromisos: Spring 2024", "mar 2024")),
])
async def test_report_labels_are_in_the_moderators_language(db, lang, expected):
    spring = await seed_campaign(db, 1)
    data = await report.gather(db, 1, spring, "Spring 2024")
    assert (data.active, data.withdrawn, data.fulfilled, data.reported) == (3, 1, 1, 2)
    figure = build_figure(data, lang, {"pledges": "Engagements"})
    shown = texts_of(figure)
    for fragment in expected:
        assert fragment in shown, (fragment, shown)
    assert "Europe" not in shown or data.by_region.get("europe", 0) == 0


async def test_report_png_is_a_real_image(db):
    await seed_campaign(db, 1)
    png = render_png(await report.gather(db, 1), "en", {})
    assert png.startswith(PNG_SIGNATURE) and len(png) > 20_000
    image = Image.open(io.BytesIO(png))
    image.verify()
    assert Image.open(io.BytesIO(png)).size == (1200, 900)
    colours = Image.open(io.BytesIO(png)).convert("RGB").getcolors(1_000_000)
    assert len(colours) > 20  # bars and text were drawn, not a blank canvas


async def test_slash_report_sends_the_chart_and_a_localized_summary(world):
    await seed_campaign(world.db, world.guild_id)
    await add_pledge(world.db, world.other_guild_id, text="other server", region="americas")
    reply = await world.h.slash("pledges report", {"campaign": "Spring 2024"},
                                user=world.moderator, locale="es-ES")
    assert reply.ephemeral and reply.callback_type == 5
    [(name, png)] = reply.files
    assert name == f"pledges-report-{world.guild_id}.png" and png.startswith(PNG_SIGNATURE)
    embed = reply.embeds[0]
    assert embed["image"]["url"] == f"attachment://{name}"
    assert "**3** compromisos activos (1 retirado," in embed["description"]
    everything = await world.h.slash("pledges report", {}, user=world.moderator)
    assert "**4** active pledges" in everything.embeds[0]["description"]
    unknown = await world.h.slash("pledges report", {"campaign": "Nope"}, user=world.moderator)
    assert unknown.files == [] and "no campaign called" in unknown.text()
    other_mod = world.h.moderator(world.other_guild_id, "otra")
    other = await world.h.slash("pledges report", {}, user=other_mod)
    assert "**1** active pledge (" in other.embeds[0]["description"]
    member = await world.h.slash("pledges report", {}, user=world.member, check=False)
    assert member.files == [] and "moderators" in member.text()


async def test_slash_report_with_no_pledges_says_so(world):
    reply = await world.h.slash("pledges report", {}, user=world.moderator, locale="fr")
    assert reply.files == [] and "pas encore" in reply.text()


async def test_report_from_the_command_line(db, tmp_path, capsys):
    await seed_campaign(db, 7)
    out = tmp_path / "report.png"
    args = build_parser().parse_args(["report", "pledges", "--guild", "7", "--campaign",
                                      "Spring 2024", "--lang", "fr", "--out", str(out)])
    assert await args.func(settings_for(db.path), args) == 0
    assert out.read_bytes().startswith(PNG_SIGNATURE)
    assert "3 active pledges" in capsys.readouterr().err
    for argv, code in ((["--guild", "7", "--campaign", "Nope"], 1), (["--guild", "8"], 1)):
        args = build_parser().parse_args(["report", "pledges", *argv, "--out", str(tmp_path / "x.png")])
        assert await args.func(settings_for(db.path), args) == code
    assert not (tmp_path / "x.png").exists()
    for argv in (["--campaign", "x"], ["--guild", "abc"], ["--guild", "7", "--lang", "de"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["report", "pledges", *argv, "--out", "x.png"])


# -- Excel -----------------------------------------------------------------------------------


def sheet_rows(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows())
    return sheet, [c.value for c in rows[0]], rows[1:]


async def test_xlsx_export_reads_back_as_a_spreadsheet_should(world):
    spring = await seed_campaign(world.db, world.guild_id)
    for text in HOSTILE:
        await add_pledge(world.db, world.guild_id, text=text, on_behalf_of=text, campaign_id=spring,
                         author_id=SNOWFLAKE, created_at="2024-04-01T08:30:00Z")
    await add_pledge(world.db, world.other_guild_id, text="other server")
    reply = await world.h.slash("pledges export", {"format": "xlsx", "include_withdrawn": True},
                                user=world.moderator, locale="fr")
    [(name, data)] = reply.files
    assert name.endswith(".xlsx") and data.startswith(b"PK")
    sheet, header, rows = sheet_rows(data)
    assert header == headers("pledges")
    assert header[:5] == ["id", "created_at", "updated_at", "status", "status_label"]
    assert len(rows) == 5 + len(HOSTILE) and b"other server" not in data
    column = {name: i for i, name in enumerate(header)}
    first = rows[0]
    # ids as text, every digit kept
    assert first[column["author_id"]].value == str(SNOWFLAKE)
    assert first[column["author_id"]].data_type == "s" and first[column["id"]].data_type == "s"
    assert first[column["number"]].value == "1"
    # dates as dates
    assert first[column["created_at"]].value == datetime(2024, 3, 1, 10, 0)
    assert first[column["created_at"]].is_date
    # labels in the moderator's language beside the slugs
    assert (first[column["region"]].value, first[column["region_label"]].value) == ("africa", "Afrique")
    assert first[column["progress_label"]].value == "Tenu"
    assert rows[2][column["progress_label"]].value == "Pas encore de point"
    assert rows[2][column["topic_label"]].value == "Autre (aucun de ces sujets)"
    assert rows[3][column["status_label"]].value == "retiré"
    # members' text exactly as typed (a control character in OOXML's own _xHHHH_ escape, which
    # Excel decodes), never a formula; formula-like cells carry Excel's quote prefix
    texts = [row[column["text"]] for row in rows[5:]]
    assert [unescape(c.value) for c in texts] == HOSTILE
    assert all(c.data_type == "s" for c in texts)
    assert texts[0].quotePrefix and texts[1].quotePrefix and not texts[-1].quotePrefix
    entry = (await audit.latest(world.db, world.guild_id))[0]
    assert (entry.format, entry.row_count) == ("xlsx", 5 + len(HOSTILE))
    assert sheet.freeze_panes == "A2"


async def test_xlsx_comments_and_the_too_large_path(world):
    await add_comment(world.db, world.guild_id, text="=cmd|' /C calc'!A0", author_id=SNOWFLAKE)
    reply = await world.h.slash("comments export", {"format": "xlsx"}, user=world.moderator)
    _, header, rows = sheet_rows(reply.files[0][1])
    assert header == ["id", "created_at", "topic", "topic_label", "lang", "text", "author_id",
                      "number"]
    assert rows[0][5].value == "=cmd|' /C calc'!A0" and rows[0][5].quotePrefix
    payload = world.h.slash_payload("comments export", {"format": "xlsx"}, user=world.moderator)
    payload["attachment_size_limit"] = 1000
    small = await world.h.raw_interaction(payload)
    assert small.files == [] and "--format xlsx" in small.text()
    deliveries = [e.filters.get("delivery") for e in await audit.latest(world.db, world.guild_id)]
    assert deliveries == ["too_large", "attached"]


async def test_xlsx_from_the_command_line_in_a_real_process(db, tmp_path):
    await seed_campaign(db, 5)
    out = tmp_path / "pledges.xlsx"
    env = {**os.environ, "COALITION_DB": str(db.path), "DISCORD_TOKEN": ""}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "export", "pledges", "--guild", "5", "--format", "xlsx",
        "--lang", "es", "--out", str(out), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr
    _, header, rows = sheet_rows(out.read_bytes())
    column = {name: i for i, name in enumerate(header)}
    assert [r[column["region_label"]].value for r in rows] == ["África", "África",
                                                                "Mundial (internacional, varias regiones)",
                                                                "Oriente Medio y Norte de África"]
    entry = (await audit.latest(db, 5))[0]
    assert (entry.format, entry.filters) == ("xlsx", {"via": "cli"})
    args = build_parser().parse_args(["export", "pledges", "--guild", "5", "--format", "xlsx"])
    assert await args.func(settings_for(db.path), args) == 2  # a workbook needs --out


@given(st.text(max_size=40))
def test_xlsx_quotes_exactly_what_the_csv_neutralises(value):
    assert formula_like(value) == (neutralise(value) != value)

