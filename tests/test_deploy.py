"""The deployment recipe, followed once: install into a fresh prefix from the lock file, start the
bot exactly as the systemd unit says (its command, folder and environment file), check health,
back up, stop, and refuse a database newer than the code. The unit itself is checked by
`systemd-analyze` where the machine has it.
"""

from __future__ import annotations

import asyncio
import configparser
import os
import re
import shlex
import shutil
import sqlite3
import stat
import subprocess
import time
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.utils import canonicalize_name

from tests.startup_helpers import TOKEN, stop, wait_for_text

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "coalition-bot.service"
ENV_TEMPLATE = ROOT / "deploy" / "coalition-bot.env"
ANALYZE = shutil.which("systemd-analyze")
DEV_TOOLS = ("pytest", "_pytest", "ruff", "mypy", "uv")


def service_section(text: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return parser["Service"]


def locked_pins(lock: Path) -> dict[str, str]:
    """name -> version for the requirements of `lock` that apply to this interpreter."""
    pins = {}
    for line in lock.read_text(encoding="utf-8").replace("\\\n", " ").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)\s*(?:;\s*([^\\-]+?))?\s*(?:--hash|$)", line)
        if match and (match[3] is None or Marker(match[3]).evaluate()):
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def analyze(*args: str) -> subprocess.CompletedProcess[str]:
    assert ANALYZE is not None
    return subprocess.run([ANALYZE, *args], capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed here")
def test_the_unit_is_valid_and_hardened(tmp_path):
    unit = tmp_path / "coalition-bot.service"
    executable = ROOT / ".venv" / "bin" / "coalition-bot"  # verify wants ExecStart to exist
    unit.write_text(UNIT.read_text(encoding="utf-8").replace(
        "/opt/coalition-bot/.venv-run/bin/coalition-bot", str(executable)), encoding="utf-8")
    verified = analyze("verify", str(unit))
    assert verified.returncode == 0 and verified.stderr.strip() == "", verified.stderr
    broken = tmp_path / "broken.service"
    broken.write_text(unit.read_text(encoding="utf-8").replace("ProtectSystem=strict",
                                                               "ProtectSystem=sometimes"))
    assert "sometimes" in analyze("verify", str(broken)).stderr  # the check can fail
    security = analyze("security", "--offline=yes", str(unit))
    exposure = re.search(r"Overall exposure level for \S+: ([\d.]+)", security.stdout + security.stderr)
    if exposure is None:
        pytest.skip("this systemd-analyze cannot rate a unit file offline")
    assert float(exposure[1]) <= 2.0, security.stdout[-2000:]


def test_the_unit_keeps_the_promises_the_readme_makes():
    service = service_section(UNIT.read_text(encoding="utf-8"))
    assert service["User"] == "coalition-bot" and service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"] == "2"
    assert service["ProtectSystem"] == "strict" and service["NoNewPrivileges"] == "yes"
    assert service["PrivateTmp"] == "yes" and service["StateDirectory"] == "coalition-bot"
    assert "ReadWritePaths" not in service  # the state directory is the only writable place
    assert service["ExecStart"].endswith(" run --require-token")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for step in ("sudo make install", "deploy/coalition-bot.service", "systemctl enable --now",
                 "db restore", "journalctl -u coalition-bot", "Copy Server ID"):
        assert step in readme, step


def copy_checkout(target: Path) -> None:
    """The files a clone would have (tracked ones and new ones not ignored), as they are now."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True, timeout=60).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("MAKE", "MFLAGS", "VIRTUAL_ENV", "PYTEST", "COALITION_", "DISCORD_"))}


@pytest.mark.slow
async def test_following_the_deployment_steps_once(fake, tmp_path):
    guild_id = fake.add_guild(name="Coalition Afrique", preferred_locale="fr")
    fake.add_channel(guild_id, "général")
    prefix, state, etc = tmp_path / "opt" / "coalition-bot", tmp_path / "var", tmp_path / "etc"
    copy_checkout(prefix)
    started = time.monotonic()
    install = await asyncio.to_thread(
        subprocess.run, ["make", "install"], cwd=prefix, env=clean_env(), capture_output=True,
        text=True, timeout=600, check=False)
    took = time.monotonic() - started
    assert install.returncode == 0, install.stderr[-3000:]
    assert "--require-hashes -r requirements/run.txt" in install.stdout
    print(f"\ninstall from the lock into a fresh prefix: {took:.1f} s")

    venv = prefix / ".venv-run"
    [site] = venv.glob("lib/python*/site-packages")
    assert [tool for tool in DEV_TOOLS if (site / tool).exists()] == []
    freeze = (await asyncio.to_thread(
        subprocess.run, [str(venv / "bin" / "python"), "-m", "pip", "freeze", "--all",
                         "--exclude-editable"], capture_output=True, text=True, check=True,
        timeout=60)).stdout
    installed = {canonicalize_name(name): version for name, version in
                 (line.split("==") for line in freeze.splitlines() if "==" in line)}
    pinned = locked_pins(prefix / "requirements" / "run.txt")
    assert {name: installed.get(name) for name in pinned} == pinned

    state.mkdir(mode=0o700)
    etc.mkdir()
    env_file = etc / "env"
    env_file.write_text(ENV_TEMPLATE.read_text(encoding="utf-8")
                        .replace("DISCORD_TOKEN=\n", f"DISCORD_TOKEN={TOKEN}\n")
                        .replace("/var/lib/coalition-bot", str(state))
                        + f"DISCORD_API_BASE={fake.api_base}\nDISCORD_GATEWAY_URL={fake.gateway_url}\n",
                        encoding="utf-8")
    env_file.chmod(0o640)
    unit = (UNIT.read_text(encoding="utf-8").replace("/opt/coalition-bot", str(prefix))
            .replace("/var/lib/coalition-bot", str(state)).replace("/etc/coalition-bot/env", str(env_file)))
    if ANALYZE is not None:
        (tmp_path / "coalition-bot.service").write_text(unit, encoding="utf-8")
        verified = analyze("verify", str(tmp_path / "coalition-bot.service"))
        assert verified.returncode == 0 and verified.stderr.strip() == "", verified.stderr
    service = service_section(unit)

    # as systemd starts it: the unit's command in its folder, with its environment, to the journal
    environment = {"PATH": "/usr/bin:/bin", "JOURNAL_STREAM": "8:12345", "INVOCATION_ID": "0" * 32}
    environment.update(line.split("=", 1) for line in [service["Environment"]])
    environment.update(line.split("=", 1) for line in env_file.read_text(encoding="utf-8").splitlines()
                       if line and not line.startswith("#"))
    log_path = tmp_path / "journal.log"
    with log_path.open("wb") as journal:
        process = await asyncio.create_subprocess_exec(
            *shlex.split(service["ExecStart"]), cwd=service["WorkingDirectory"], env=environment,
            stdin=asyncio.subprocess.DEVNULL, stdout=journal, stderr=journal)
    admin = [str(venv / "bin" / "coalition-bot"), "--env-file", str(env_file)]

    def cb(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*admin, *args], capture_output=True, text=True, timeout=60,
                              check=False, cwd=tmp_path, env={"PATH": "/usr/bin:/bin"})
    try:
        await fake.wait_for_identify(1, timeout=60)
        log = await wait_for_text(log_path, f"server {guild_id}: Coalition Afrique")
        assert "<6>bot.client: ready as" in log  # journald reads the priority
        for _ in range(100):
            health = await asyncio.to_thread(cb, "health")
            if health.returncode == 0:
                break
            await asyncio.sleep(0.1)
        assert health.returncode == 0 and health.stdout.startswith("ok: connected"), health.stderr
        backup = state / "before-upgrade.sqlite3"
        assert (await asyncio.to_thread(cb, "db", "backup", str(backup))).returncode == 0
        assert stat.S_IMODE(backup.stat().st_mode) == 0o600
        assert await stop(process) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = log_path.read_text(encoding="utf-8")
    assert "Traceback" not in log and "voice" not in log.lower()
    database = state / "coalition.sqlite3"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600  # members' data: owner only
    check = await asyncio.to_thread(cb, "db", "check")
    assert check.returncode == 0 and check.stdout.strip().endswith("ok")

    # going back to older code: a database newer than the code refuses to start, in one line
    with sqlite3.connect(database) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute(f"PRAGMA user_version = {version + 1}")
    refused = await asyncio.to_thread(cb, "run", "--require-token")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "upgrade the bot or restore a matching backup" in refused.stderr
