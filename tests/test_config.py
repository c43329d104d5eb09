import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import DEFAULT_API_BASE, ConfigError, Settings

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "x" * 30 + ".abc.def"


def settings(**env: str) -> Settings:
    return Settings.from_env(env, env_file=None)


def test_defaults_point_at_discord_and_a_state_folder():
    s = settings()
    assert s.token is None
    assert s.api_base == DEFAULT_API_BASE
    assert s.db_path.parts[0] == "state"
    assert s.log_level == "INFO"
    assert s.guild_id is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DISCORD_GUILD_ID", "abc"),
        ("DISCORD_GUILD_ID", "-1"),
        ("DISCORD_GUILD_ID", "12"),
        ("DISCORD_API_BASE", "ftp://example.org"),
        ("DISCORD_API_BASE", "not a url"),
        ("DISCORD_GATEWAY_URL", "http://127.0.0.1:1/"),
        ("LOG_LEVEL", "LOUD"),
        ("DISCORD_TOKEN", "short"),
        ("DISCORD_TOKEN", "has a space in it and is long enough"),
        ("COALITION_DB", str(ROOT / "data" / "x.sqlite3")),
        ("LOG_FORMAT", "xml"),
        ("COALITION_BACKUP_HOURS", "daily"),
        ("COALITION_BACKUP_HOURS", "-1"),
        ("COALITION_BACKUP_HOURS", "1e9"),
        ("COALITION_BACKUP_HOURS", "nan"),
    ],
)
def test_bad_values_name_the_variable(name, value):
    with pytest.raises(ConfigError) as info:
        settings(**{name: value})
    assert str(info.value).startswith(name + ":")


def test_env_file_is_read_and_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=debug\nDISCORD_GUILD_ID=123456789012345678\n")
    s = Settings.from_env({"LOG_LEVEL": "warning"}, env_file=env_file)
    assert s.log_level == "WARNING"
    assert s.guild_id == 123456789012345678


def test_cli_reports_a_bad_value_in_one_line_with_exit_code_2(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "LOG_LEVEL": "LOUD", "COALITION_DB": str(tmp_path / "db")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "check"], cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: LOG_LEVEL: expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'LOUD'"
    ]
    assert "Traceback" not in result.stderr


def test_private_feeds_are_off_unless_asked_for():
    assert settings().allow_private_feeds is False
    assert settings(COALITION_ALLOW_PRIVATE_FEEDS="1").allow_private_feeds is True
    with pytest.raises(ConfigError, match=r"^COALITION_ALLOW_PRIVATE_FEEDS:"):
        settings(COALITION_ALLOW_PRIVATE_FEEDS="maybe")


def test_log_format_follows_systemd_unless_set_and_backups_default_to_daily(tmp_path):
    assert settings().log_format == "text"
    assert settings(JOURNAL_STREAM="8:1234").log_format == "journal"
    assert settings(JOURNAL_STREAM="8:1234", LOG_FORMAT="JSON").log_format == "json"
    assert settings().backup_hours == 24 and settings(COALITION_BACKUP_HOURS="0").backup_hours == 0
    s = settings(COALITION_DB=str(tmp_path / "state" / "bot.sqlite3"))
    assert s.backup_dir == tmp_path / "state" / "backups"


def test_run_as_a_service_without_a_token_refuses_to_start_the_console(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "COALITION_DB": str(tmp_path / "db.sqlite3"),
           "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "bot", "run", "--require-token"], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("configuration error: DISCORD_TOKEN: not set")
    assert result.stderr.count("\n") == 1 and not (tmp_path / "db.sqlite3").exists()


def test_the_env_file_option_replaces_dot_env(tmp_path):
    (tmp_path / "settings").write_text("LOG_LEVEL=LOUD\n", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "COALITION_DB": str(tmp_path / "db"), "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "bot", "--env-file", str(tmp_path / "settings"),
                             "db", "check"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 2 and "LOG_LEVEL" in result.stderr
