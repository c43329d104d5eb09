"""The event loop choice: uvloop by default where installed, asyncio's loop on request."""

from __future__ import annotations

import asyncio
import importlib.util

import pytest

from bot.config import ConfigError, Settings
from bot.loop import describe, loop_factory, run

HAS_UVLOOP = importlib.util.find_spec("uvloop") is not None


def settings(**env: str) -> Settings:
    return Settings.from_env(env, env_file=None)


async def running_loop() -> str:
    await asyncio.sleep(0)
    return describe(asyncio.get_running_loop())


def test_uvloop_is_on_unless_turned_off():
    assert settings().uvloop is True
    assert settings(COALITION_UVLOOP="1").uvloop is True
    assert settings(COALITION_UVLOOP=" off ").uvloop is False
    assert settings(COALITION_UVLOOP="0").uvloop is False
    with pytest.raises(ConfigError, match=r"^COALITION_UVLOOP: expected 1 or 0, got 'fast'"):
        settings(COALITION_UVLOOP="fast")


@pytest.mark.skipif(not HAS_UVLOOP, reason="uvloop is not installed on this platform")
def test_the_bot_runs_on_uvloop_when_on_and_on_asyncio_when_off():
    assert run(running_loop(), use_uvloop=True) == "uvloop"
    assert run(running_loop(), use_uvloop=False) == "asyncio"
    assert loop_factory(False) is None


def test_run_returns_the_result_and_raises_the_error():
    async def fails() -> None:
        raise LookupError("inside the loop")

    assert run(running_loop(), use_uvloop=False) == "asyncio"
    with pytest.raises(LookupError, match="inside the loop"):
        run(fails(), use_uvloop=HAS_UVLOOP)
