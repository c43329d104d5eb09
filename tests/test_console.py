"""The local console as a person (or a script) uses it: a subprocess with a transcript."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.resources_helpers import Document, Entry, FeedServer, rss

ROOT = Path(__file__).resolve().parent.parent


def console(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COALITION_DB": str(tmp_path / "console.sqlite3")}
    env.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *(args or ("console", "--script", "-"))],
        input=script, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def test_help_in_english_then_french(tmp_path):
    result = console(tmp_path, "/help\nlang fr\n/help\n")
    assert result.returncode == 0, result.stderr
    english, french = result.stdout.split("> lang fr")
    assert "Commands" in english
    assert "/ask" in english
    assert "Commandes" in french
    assert "/demander" in french
    assert "Moderator commands" not in english  # a member sees no moderator commands
    assert "Traceback" not in result.stdout + result.stderr


def test_moderator_sees_moderator_commands_and_buttons_are_numbered(tmp_path):
    result = console(tmp_path, "as moderator\n/help\nas member\n/ask question: art 88?\nclick 1\n")
    assert result.returncode == 0, result.stderr
    assert "Moderator commands" in result.stdout
    assert "/pledges export" in result.stdout
    assert "[1] Read more" in result.stdout
    read_more = result.stdout.split("> click 1")[1]
    assert "(only you can see this)" in read_more
    assert "Art. 88" in read_more
    french = console(tmp_path, "lang fr\n/ask question: art 88?\nclick 1\n").stdout
    assert "En savoir plus" in french
    assert "(visible par vous uniquement)" in french.split("> click 1")[1]
    assert "Art. 88 :" in french.split("> click 1")[1]  # the body came back in French


def test_a_modal_is_asked_field_by_field_and_the_pledge_is_stored(tmp_path):
    script = "\n".join([
        "/pledge make",
        "We will adopt an ICC cooperation law =HYPERLINK(\"x\") @everyone",
        "Ministry of Justice",
        "europe",
        "implementing-legislation",
        "/pledge mine",
    ]) + "\n"
    result = console(tmp_path, script)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "form:" in result.stdout
    mine = result.stdout.split("> /pledge mine")[1]
    assert "Ministry of Justice" in mine
    # the same database on the next start: the pledge is still there
    again = console(tmp_path, "/pledge mine\n")
    assert "Ministry of Justice" in again.stdout


def test_errors_make_the_script_fail(tmp_path):
    result = console(tmp_path, "/nosuchcommand\n/help\n")
    assert result.returncode == 1
    assert "! There is no command /nosuchcommand" in result.stdout
    assert "Commands" in result.stdout  # the rest of the script still ran
    bad = console(tmp_path, "click 7\n")
    assert bad.returncode == 1
    assert "! There is no button or menu [7]" in bad.stdout


def test_background_work_can_be_turned_off_and_catches_up_on_the_next_start(tmp_path):
    script = ("as moderator\n/config announcements channel: #announcements\n"
              "/resource add url: https://example.org/held title: Held report\n")
    quiet = console(tmp_path, script, "console", "--script", "-", "--no-background")
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert "It will be announced in #announcements." in quiet.stdout
    assert "▸" not in quiet.stdout
    again = console(tmp_path, "", "console", "--script", "-")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "#announcements ▸\n  ┌ Held report  <https://example.org/held>" in again.stdout


def test_digits_that_are_not_numbers_are_refused_not_crashed_on(tmp_path):
    """"²" passes str.isdigit() and int() refuses it; 5,000 digits is past int()'s limit."""
    script = "click ²\n/pledge edit id: ²\n/pledge edit id: " + "9" * 5000 + "\n/help\n"
    result = console(tmp_path, script)
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    assert "! Not understood: “click ²”. Type help." in result.stdout
    assert result.stdout.count("! id: a whole number, please.") == 2
    assert "Commands" in result.stdout


def test_run_without_a_token_says_so_and_starts_the_console(tmp_path):
    result = console(tmp_path, "/help\n", "run")
    assert result.returncode == 0, result.stderr
    assert "No DISCORD_TOKEN is set" in result.stderr
    assert "Commands" in result.stdout


# --- a whole session, as a newcomer and a moderator would have it ---------------------------

SESSION = """\
/ask
/ask question:
/ask question: art 88?
click 1
click 4
click 1
click 99
/resources latest region: mars
/pledges export format: csv
force /pledges export format: csv
/pledge make
We will adopt an ICC cooperation law =HYPERLINK("x") @everyone
Ministry of Justice
atlantis
europe
implementing-legislation
/pledge mine
lang fr
/engagement les-miens
/commentaire sur sujet: arrest-warrants
Très utile, merci
/nimportequoi
lang es
/preguntar pregunta: orden de detención
/recursos buscar consulta: bechir
as moderator
/compromisos exportar formato: xlsx
/compromisos exportar formato: csv
/configuración anuncios canal: #nope
/configuración anuncios canal: #announcements
/configuración rol-moderación rol: @moderators
lang en
/feeds add url: {feed}
/resource add url: https://example.org/report-2026 title: Cooperation report 2026 region: africa
/feeds refresh
/feeds status
/pledges audit
hello there
help /pledges export
as member
/pledge edit id: 1

Ministry of Foreign Affairs
-
-
/pledge mine
quit
"""
RESTART = """\
as moderator
/config show
lang fr
/engagements journal
"""


class ChangingFeed(FeedServer):
    """After its first read the feed has one more item, as a real feed would a day later."""

    later: Document | None = None

    async def _serve(self, request):
        response = await super()._serve(request)
        if self.later is not None:
            self.documents["news"], self.later = self.later, None
        return response


async def run_console(tmp_path, script, *args):
    env = {**os.environ, "COALITION_DB": str(tmp_path / "console.sqlite3")}
    env.pop("DISCORD_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "console", "--script", "-", *args, cwd=ROOT, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(script.encode()), 180)
    return process.returncode, out.decode(), err.decode()


def after(transcript, line):
    """What the console printed for one script line (up to the next prompt)."""
    return transcript.split(f"> {line}\n", 1)[1].split("\n> ", 1)[0]


async def test_a_whole_session_in_three_languages_survives_mistakes_and_a_restart(tmp_path):
    old = Entry("Kampala declaration adopted", "http://example.org/news/1", guid="n1")
    new = Entry("New arrest warrant issued", "http://example.org/news/2", guid="n2")
    server = ChangingFeed()
    server.documents["news"] = Document(rss([old]))
    server.later = Document(rss([new, old]))
    await server.start()
    files = tmp_path / "exports"
    try:
        script = SESSION.format(feed=server.url("news"))
        assert len(script.splitlines()) >= 40
        code, out, err = await run_console(tmp_path, script, "--files", str(files))
    finally:
        await server.close()
    assert "Traceback" not in out + err
    assert code == 1  # mistakes were made; every line after them still ran
    refusals = [line for line in out.splitlines() if line.startswith("  ! ")]
    assert len(refusals) == 10, refusals
    # mistakes, each answered in one line in the member's language
    assert after(out, "/ask") == "  ! /ask needs question: …"
    assert after(out, "/ask question:") == "  ! question: is empty."
    assert "“mars” is not one of: Americas, Africa" in after(out, "/resources latest region: mars")
    assert "There is no button or menu [99]" in after(out, "click 99")
    assert "Il n'y a pas de commande /nimportequoi" in after(out, "/nimportequoi")
    assert "«xlsx» no es una de: CSV (hojas de cálculo), JSON (programas)" in out
    assert "aquí nada se llama «nope»" in out
    assert "Not understood: “hello there”" in out
    # a moderator command: hidden from the member, refused by the bot when forced
    assert "/pledges export is not in your command list" in after(out, "/pledges export format: csv")
    forced = after(out, "force /pledges export format: csv")
    assert "(only you can see this) This command is for this server's moderators." in forced
    # buttons keep their numbers after "Read more" and another language's answer
    assert "[1] Read more" in out and "[4] Español" in out
    spanish = re.search(r"\[(\d+)\] Leer más", after(out, "click 4"))
    assert spanish is not None and int(spanish.group(1)) > 4
    assert "What the Rome Statute requires" in after(out, "click 1")
    # a form: a menu answer that is not offered is asked again; the pledge is stored
    assert "│ Region: atlantis\n  ! Choose one of the options, by number or name.\n" in out
    assert "Ministry of Justice" in after(out, "/pledge mine")
    mine_fr = after(out, "/engagement les-miens")
    assert "n° 1 · actif · Europe" in mine_fr and "(visible par vous uniquement)" in mine_fr
    comment = after(out, "/commentaire sur sujet: arrest-warrants")
    assert "Sujet : Mandats d'arrêt" in comment and "Sujet:" not in comment  # not asked again
    assert "│ Votre commentaire: Très utile, merci" in comment
    assert "Commentaire n° 1 enregistré" in comment
    # Spanish names, options and answers
    assert "Órdenes de detención" in after(out, "/preguntar pregunta: orden de detención")
    assert "Stop Béchir" in after(out, "/recursos buscar consulta: bechir")
    # the export is a file the person can open
    export = after(out, "/compromisos exportar formato: csv")
    assert "Exportación lista: 1 fila." in export and "guardado como" in export
    [saved] = files.glob("pledges-*.csv")
    assert str(saved) in export and "Ministry of Justice" in saved.read_text(encoding="utf-8")
    # settings, mentions by name, announcements posted as they happen
    assert "Los nuevos recursos se anunciarán en #announcements." in out
    assert "ahora como moderadores aquí" in out.replace("cuentan ahora", "ahora")
    added = after(out, "/resource add url: https://example.org/report-2026 title: Cooperation "
                       "report 2026 region: africa")
    assert "#announcements ▸" in added and "Cooperation report 2026" in added
    assert "Its 1 current item is recorded" in out
    refreshed = after(out, "/feeds refresh")
    assert "Read 1 feed: 1 new resource, 0 failures." in refreshed
    assert "#announcements ▸" in refreshed and "New arrest warrant issued" in refreshed
    assert "Kampala declaration adopted" not in out.split("> /feeds refresh")[1]
    assert "Last read" in out and "ago" in after(out, "/feeds status")  # <t:…:R> rendered
    audit = after(out, "/pledges audit")
    assert "@moderator · pledges csv · 1 row · no filters" in audit and "<t:" not in audit
    assert "include_withdrawn" in after(out, "help /pledges export")
    # the edit form shows current values and Enter or "-" keeps them
    edit = after(out, "/pledge edit id: 1")
    assert "(now: “We will adopt an ICC cooperation law" in edit
    assert "Ministry of Foreign Affairs" in out.split("> /pledge edit id: 1")[1].split("> quit")[0]
    # the next session finds the same server, channels and settings
    code, again, err = await run_console(tmp_path, RESTART, "--files", str(files))
    assert code == 0, again + err
    shown = after(again, "/config show")
    assert "Announcements channel\n  │   #announcements\n" in shown  # not "(deleted: …)"
    assert "@moderators" in shown and "2 posted" in shown
    assert "engagements csv · 1 ligne · sans filtre" in after(again, "/engagements journal")
