"""Campaigns, the export audit log, stats and the export CLI, on a real SQLite file."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.config import Settings
from bot.errors import UserError
from bot.pledges import audit, campaigns
from bot.pledges.cli import cli_command
from bot.pledges.export import ExportRequest
from bot.pledges.stats import pledge_stats
from tests.pledges_admin_helpers import add_campaign, add_comment, add_pledge, read_csv, read_json

ROOT = Path(__file__).resolve().parent.parent
GUILD = 900000000000000001
OTHER = 900000000000000002
NOW = "2024-06-01T12:00:00Z"


# -- campaigns ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "clean"), [
    ("  Kampala\n2010  ", "Kampala 2010"),
    ("Review\x00 Conference\x07", "Review Conference"),
    ("\u202eevil\u202c name", "evil name"),
    ("\u2067drive\u2069\u200f 2025\u061c", "drive 2025"),
    ("@everyone <@123>", "@everyone <@123>"),
    ("Conférence de révision 🇺🇬", "Conférence de révision 🇺🇬"),
    ("x" * 100, "x" * 100),
])
async def test_campaign_names_are_cleaned(raw, clean):
    assert campaigns.clean_name(raw) == clean


@pytest.mark.parametrize(("raw", "key"), [
    ("", "pledges_admin.campaign.name_empty"),
    (" \n\t\x00 ", "pledges_admin.campaign.name_empty"),
    ("\u200b\u2060\ufeff", "pledges_admin.campaign.name_empty"),
    ("\u202e \u3164 \u00ad", "pledges_admin.campaign.name_empty"),
    ("x" * 101, "pledges_admin.campaign.name_too_long"),
])
async def test_bad_campaign_names_are_refused(raw, key):
    with pytest.raises(UserError) as caught:
        campaigns.clean_name(raw)
    assert caught.value.key == key


async def test_one_open_campaign_per_server(db):
    first = await campaigns.open_campaign(db, GUILD, " Kampala ", 7, now=NOW)
    assert first.name == "Kampala" and first.is_open(NOW)
    with pytest.raises(UserError) as caught:
        await campaigns.open_campaign(db, GUILD, "Second", 7, now=NOW)
    assert caught.value.key == "pledges_admin.campaign.already_open"
    assert caught.value.kwargs["name"] == "Kampala"
    # another server is independent
    other = await campaigns.open_campaign(db, OTHER, "Second", 8, now=NOW)
    assert (await campaigns.current(db, OTHER, now=NOW)) == other
    assert (await campaigns.current(db, GUILD, now=NOW)).id == first.id

    closed = await campaigns.close_campaign(db, GUILD, now="2024-06-02T00:00:00Z")
    assert closed.closed_at == "2024-06-02T00:00:00Z"
    assert await campaigns.current(db, GUILD, now=NOW) is None
    assert (await campaigns.latest(db, GUILD)).name == "Kampala"
    with pytest.raises(UserError) as caught:
        await campaigns.close_campaign(db, GUILD)
    assert caught.value.key == "pledges_admin.campaign.none_open"
    with pytest.raises(UserError) as caught:
        await campaigns.open_campaign(db, GUILD, "Kampala", 7, now=NOW)
    assert caught.value.key == "pledges_admin.campaign.name_taken"
    rows = await db.fetchall("SELECT name FROM campaigns WHERE guild_id = ?", (GUILD,))
    assert [r["name"] for r in rows] == ["Kampala"]


async def test_closing_date(db):
    with pytest.raises(UserError) as caught:
        await campaigns.open_campaign(db, GUILD, "Late", 7, closes=date(2024, 5, 31), now=NOW)
    assert caught.value.key == "pledges_admin.campaign.closes_past"
    today = await campaigns.open_campaign(db, GUILD, "Today", 7, closes=date(2024, 6, 1), now=NOW)
    assert today.closes_at == "2024-06-01T23:59:59Z"
    assert await campaigns.current(db, GUILD, now="2024-06-01T23:59:58Z") is not None
    assert await campaigns.current(db, GUILD, now="2024-06-01T23:59:59Z") is None
    # an expired campaign does not block the next one, and is marked closed on its date
    nxt = await campaigns.open_campaign(db, GUILD, "Next", 7, now="2024-06-03T00:00:00Z")
    assert nxt.is_open("2024-06-03T00:00:00Z")
    row = await db.fetchone("SELECT closed_at FROM campaigns WHERE id = ?", (today.id,))
    assert row["closed_at"] == "2024-06-01T23:59:59Z"


async def test_parse_day():
    assert campaigns.parse_day(" 2030-06-30 ", "k") == date(2030, 6, 30)
    for bad in ("", "30/06/2030", "2030-02-30", "tomorrow", "=1+1"):
        with pytest.raises(UserError) as caught:
            campaigns.parse_day(bad, "pledges_admin.export.bad_since")
        assert caught.value.key == "pledges_admin.export.bad_since"


async def test_campaign_names_for_autocomplete(db):
    for i, name in enumerate(("Kampala 2010", "Rome 1998", "Kampala follow-up")):
        await add_campaign(db, GUILD, name, opened_at=f"2024-0{i + 1}-01T00:00:00Z",
                           closed_at="2024-12-01T00:00:00Z")
    await add_campaign(db, OTHER, "Kampala elsewhere")
    assert await campaigns.names(db, GUILD, "kamp") == ["Kampala follow-up", "Kampala 2010"]
    assert len(await campaigns.names(db, GUILD)) == 3


# -- audit and stats ----------------------------------------------------------------------------


async def test_audit_records_and_lists_per_server(db):
    await audit.record_export(db, GUILD, 42, kind="pledges", fmt="csv",
                              filters={"region": "europe"}, row_count=3, now=NOW)
    await audit.record_export(db, OTHER, 43, kind="comments", fmt="json", filters={}, row_count=1)
    await audit.record_export(db, GUILD, audit.CLI_MODERATOR, kind="comments", fmt="json",
                              filters={"via": "cli"}, row_count=0)
    entries = await audit.latest(db, GUILD)
    assert [(e.moderator_id, e.kind, e.row_count) for e in entries] == [(0, "comments", 0),
                                                                        (42, "pledges", 3)]
    assert entries[0].via_cli and not entries[1].via_cli
    assert entries[1].filters == {"region": "europe"} and entries[1].created_at == NOW


async def test_stats_count_this_server_only(db):
    spring = await add_campaign(db, GUILD, "Spring")
    await add_pledge(db, GUILD, region="africa", topic="pledges", campaign_id=spring)
    await add_pledge(db, GUILD, region="africa", topic="agreements", status="withdrawn")
    await add_pledge(db, GUILD, region="europe", topic="pledges")
    await add_pledge(db, OTHER, region="mena", topic="pledges")
    await add_comment(db, GUILD)
    await add_comment(db, OTHER)
    stats = await pledge_stats(db, GUILD)
    assert stats.total == 3 and stats.comments == 1
    assert stats.by_region == {"africa": 2, "europe": 1}
    assert stats.by_topic == {"pledges": 2, "agreements": 1}
    assert stats.by_status == {"active": 2, "withdrawn": 1}
    only = await pledge_stats(db, GUILD, spring)
    assert only.total == 1 and only.by_region == {"africa": 1}


# -- CLI ----------------------------------------------------------------------------------------


def settings_for(path: Path) -> Settings:
    return Settings(token=None, db_path=path, guild_id=None, api_base="https://discord.com/api/v10",
                    gateway_url="wss://gateway.discord.gg/", log_level="INFO", data_dir=ROOT / "data")


async def run_cli(db, *argv: str) -> int:
    args = build_parser().parse_args(["export", *argv])
    return await args.func(settings_for(db.path), args)


async def test_cli_export_to_file_is_audited(db, tmp_path, capsys):
    await add_campaign(db, GUILD, "Spring")
    await add_pledge(db, GUILD, text="=1+1", campaign_id=1)
    await add_pledge(db, GUILD, text="no campaign")
    await add_pledge(db, OTHER, text="other server", campaign_id=1)
    out = tmp_path / "pledges.csv"
    assert await run_cli(db, "pledges", "--guild", str(GUILD), "--format", "csv", "--out", str(out),
                         "--campaign", "Spring") == 0
    rows = read_csv(out.read_bytes())
    assert [r["text"] for r in rows] == ["'=1+1"]
    assert "exported 1 pledges" in capsys.readouterr().err
    entry = (await audit.latest(db, GUILD))[0]
    assert (entry.moderator_id, entry.kind, entry.format, entry.row_count) == (0, "pledges", "csv", 1)
    assert entry.filters == {"campaign": "Spring", "via": "cli"}
    assert list(tmp_path.glob(".pledges.csv.*")) == []  # no temporary file left behind


async def test_cli_refuses_what_does_not_apply(db, tmp_path, capsys):
    out = tmp_path / "x.json"
    assert await run_cli(db, "comments", "--guild", str(GUILD), "--format", "json",
                         "--out", str(out), "--region", "europe") == 2
    assert await run_cli(db, "pledges", "--guild", str(GUILD), "--format", "json",
                         "--out", str(out), "--campaign", "Unknown") == 1
    assert "no campaign named 'Unknown'" in capsys.readouterr().err
    assert not out.exists()
    assert await audit.latest(db, GUILD) == []
    for argv in (["pledges", "--format", "csv"],  # --guild is required
                 ["pledges", "--guild", "abc", "--format", "csv"],
                 ["pledges", "--guild", "1", "--format", "xml"],
                 ["pledges", "--guild", "1", "--format", "csv", "--since", "yesterday"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["export", *argv])


async def test_cli_streams_to_stdout_in_a_real_process(db):
    await add_comment(db, GUILD, text="Comentario con ñ, \"comillas\"\ny línea")
    await add_comment(db, OTHER, text="not this one")
    env = {**os.environ, "COALITION_DB": str(db.path), "DISCORD_TOKEN": ""}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "export", "comments", "--guild", str(GUILD), "--format", "json",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr
    rows = read_json(stdout)
    assert [r["text"] for r in rows] == ["Comentario con ñ, \"comillas\"\ny línea"]
    entry = (await audit.latest(db, GUILD))[0]
    assert (entry.moderator_id, entry.row_count, entry.filters) == (0, 1, {"via": "cli"})


def test_cli_command_for_too_large_exports():
    request = ExportRequest("pledges", GUILD, campaign="Kampala '10", region="europe",
                            since=date(2024, 1, 1), include_withdrawn=True)
    assert cli_command(request, "csv") == (
        f"coalition-bot export pledges --guild {GUILD} --format csv --out pledges.csv "
        "--campaign 'Kampala '\"'\"'10' --region europe --since 2024-01-01 --include-withdrawn")
