"""The local console as a person (or a script) uses it: a subprocess with a transcript."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
    assert "(only you can see this)" in french.split("> click 1")[1]
    assert "Art. 88 :" in french.split("> click 1")[1]  # the body came back in French


def test_a_modal_is_asked_field_by_field_and_the_pledge_is_stored(tmp_path):
    script = "\n".join([
        "/pledge make",
        "We will adopt an ICC cooperation law =HYPERLINK(\"x\") @everyone",
        "Ministry of Justice",
        "europe",
        "implementing-legislation",
        "0",
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
    assert "unknown command /nosuchcommand" in result.stdout
    assert "Commands" in result.stdout  # the rest of the script still ran
    bad = console(tmp_path, "click 7\n")
    assert bad.returncode == 1
    assert "no control [7]" in bad.stdout


def test_run_without_a_token_says_so_and_starts_the_console(tmp_path):
    result = console(tmp_path, "/help\n", "run")
    assert result.returncode == 0, result.stderr
    assert "No DISCORD_TOKEN is set" in result.stderr
    assert "Commands" in result.stdout
