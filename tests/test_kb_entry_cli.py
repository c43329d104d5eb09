"""`coalition-bot kb export --guild` and `ask --guild`: a server's entries outside Discord."""

import json
from pathlib import Path

import yaml

from bot.cli import build_parser
from bot.config import Settings
from bot.kb.entry_store import EntryStore
from bot.kb.entry_text import Draft
from bot.kb.loader import check_topics

ROOT = Path(__file__).resolve().parent.parent
GUILD, OTHER = 111111111111111111, 222222222222222222
MOD = 1001


def settings_for(path: Path) -> Settings:
    return Settings(token=None, db_path=path, guild_id=None, api_base="https://discord.com/api/v10",
                    gateway_url="wss://gateway.discord.gg/", log_level="INFO",
                    data_dir=ROOT / "data")


async def run_cli(db_path: Path, *argv: str) -> int:
    args = build_parser().parse_args(list(argv))
    return await args.func(settings_for(db_path), args)


TEXTS = {
    "en": Draft("en", "When is the next regional members' call?",
                "Every first Monday at 14:00 UTC.\nMinutes follow within a week.",
                "monthly call, members call", "https://www.coalitionfortheicc.org/calls"),
    "fr": Draft("fr", "Quand a lieu le prochain appel des membres ?",
                "Chaque premier lundi à 14 h UTC.", "appel mensuel",
                "https://www.coalitionfortheicc.org/calls"),
    "es": Draft("es", "¿Cuándo es la próxima llamada de miembros?",
                "Cada primer lunes a las 14:00 UTC.", "",
                "https://www.coalitionfortheicc.org/calls"),
}


async def populate(db):
    store = EntryStore(db)
    await store.propose(GUILD, MOD, TEXTS["en"], number=None, review=False)
    for lang in ("fr", "es"):
        await store.propose(GUILD, MOD, TEXTS[lang], number=1, review=False)
    await store.propose(GUILD, MOD, Draft("en", "=HYPERLINK(\"x\") @everyone formula?",
                                          "=cmd|' /C calc'!A0 is text here.", "",
                                          "Secretariat memo 2025/1"), number=None, review=False)
    await store.propose(GUILD, MOD, Draft("en", "Removed question", "Gone.", "", "Memo"),
                        number=None, review=False)
    await store.remove(GUILD, MOD, 3)
    await store.propose(OTHER, MOD, Draft("en", "Other server's question", "Theirs.", "",
                                          "Memo"), number=None, review=False)


async def test_export_writes_topic_files_reviewers_can_check(db, tmp_path, capsys):
    await populate(db)
    out = tmp_path / "data" / "topics"
    assert await run_cli(db.path, "kb", "export", "--guild", str(GUILD), str(out)) == 0
    printed = capsys.readouterr().out
    assert "2 entries of server" in printed and "still to write: fr, es" in printed
    files = sorted(p.name for p in out.glob("*.yaml"))
    assert files == ["entry-1-when-is-the-next-regional-members-call.yaml",
                     "entry-2-hyperlink-x-everyone-formula.yaml"]
    topics, problems = check_topics(tmp_path / "data")
    blocking = [str(p) for p in problems if p.blocking]
    assert blocking == ["entry-2-hyperlink-x-everyone-formula.yaml: language 'fr' is missing",
                        "entry-2-hyperlink-x-everyone-formula.yaml: language 'es' is missing"]
    full = topics["entry-1-when-is-the-next-regional-members-call"]
    assert full.title("fr") == TEXTS["fr"].question
    assert full.in_lang("en").body == TEXTS["en"].answer
    assert full.in_lang("en").aliases == ("monthly call", "members call")
    assert [s.url for s in full.key_sources] == ["https://www.coalitionfortheicc.org/calls"]
    raw = (out / files[1]).read_text(encoding="utf-8")
    assert raw.startswith("# Exported by `coalition-bot kb export` from server")
    assert "Languages still to write: fr, es" in raw
    document = yaml.safe_load(raw)
    assert document["en"]["short"] == "=cmd|' /C calc'!A0 is text here."
    assert document["sources"] == [{"title": dict.fromkeys(("en", "fr", "es"),
                                                           "Secretariat memo 2025/1"), "key": True}]


async def test_export_of_a_server_without_entries_writes_nothing(db, tmp_path, capsys):
    await populate(db)
    out = tmp_path / "empty"
    assert await run_cli(db.path, "kb", "export", "--guild", "333", str(out)) == 0
    assert list(out.glob("*")) == [] and "0 entries" in capsys.readouterr().out


async def test_ask_with_a_servers_entries(db, capsys):
    await populate(db)
    assert await run_cli(db.path, "ask", "--guild", str(GUILD), "--json",
                         "next regional members call") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["answered"] is True
    assert result["results"][0] == {"kind": "entry", "slug": "#1",
                                    "title": TEXTS["en"].question,
                                    "score": result["results"][0]["score"]}
    assert await run_cli(db.path, "ask", "--guild", str(OTHER), "--json",
                         "next regional members call") == 0
    other = json.loads(capsys.readouterr().out)
    assert all(r["kind"] == "topic" for r in other["results"])
    assert await run_cli(db.path, "ask", "--guild", str(GUILD), "removed question") == 0
    assert "(server entry)" not in capsys.readouterr().out
    assert await run_cli(db.path, "ask", "--guild", str(GUILD), "--lang", "es",
                         "próxima llamada de miembros") == 0
    assert "#1 (server entry): ¿Cuándo es la próxima llamada" in capsys.readouterr().out


async def test_ask_and_export_refuse_a_database_without_entries(tmp_path, capsys):
    missing = tmp_path / "none.sqlite3"
    assert await run_cli(missing, "ask", "--guild", str(GUILD), "x") == 1
    assert await run_cli(missing, "kb", "export", "--guild", str(GUILD), str(tmp_path)) == 1
    assert "no database" in capsys.readouterr().err
