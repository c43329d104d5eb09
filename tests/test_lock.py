"""The lock files: exact hashed versions, dev tools kept out of the runtime one, and a check that
catches a pyproject.toml whose dependencies changed without `make lock`."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from scripts import lock

ROOT = Path(__file__).resolve().parent.parent
DEV_TOOLS = {"pytest", "pytest-asyncio", "ruff", "mypy", "uv", "types-pyyaml"}


def pins(path: Path) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) for every requirement of a lock file."""
    found: dict[str, tuple[str, list[str]]] = {}
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        assert match, f"{path.name}: not an exact pin: {line[:80]}"
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", line)
        found[canonicalize_name(match[1])] = (match[2], hashes)
    return found


def test_the_locks_match_pyproject():
    assert lock.problems() == []


def test_every_pin_is_exact_and_hashed():
    for path in (lock.RUN_LOCK, lock.DEV_LOCK):
        locked = pins(path)
        assert len(locked) > 10
        assert all(hashes for _, hashes in locked.values()), path


def test_the_runtime_lock_has_no_dev_tools_and_tests_run_on_its_versions():
    run, dev = pins(lock.RUN_LOCK), pins(lock.DEV_LOCK)
    assert not DEV_TOOLS & set(run)
    assert set(dev) >= DEV_TOOLS
    assert {name: version for name, (version, _) in run.items()} == {
        name: dev[name][0] for name in run}


def test_every_declared_dependency_is_pinned_within_its_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    run, dev = pins(lock.RUN_LOCK), pins(lock.DEV_LOCK)
    declared = [(run, spec) for spec in project["project"]["dependencies"]]
    declared += [(run, spec) for spec in project["build-system"]["requires"]]
    declared += [(dev, spec) for extra in project["project"]["optional-dependencies"].values()
                 for spec in extra]
    for locked, spec in declared:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{spec} is not in the lock"
        assert requirement.specifier.contains(locked[name][0], prereleases=True), (spec, locked[name])


def test_a_dependency_added_without_relocking_is_caught(tmp_path):
    changed = tmp_path / "pyproject.toml"
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    changed.write_text(text.replace('"PyYAML>=6.0,<7",', '"PyYAML>=6.0,<7",\n    "Babel>=2.14,<3",'),
                       encoding="utf-8")
    assert changed.read_text(encoding="utf-8") != text
    found = lock.problems(changed)
    assert len(found) == 2 and "run.txt" in found[0] and "dev.txt" in found[1]
    # a change outside the dependency sections does not stale the locks
    cosmetic = tmp_path / "cosmetic.toml"
    cosmetic.write_text(text.replace('line-length = 110', 'line-length = 111'), encoding="utf-8")
    assert lock.problems(cosmetic) == []


def test_make_lock_check_says_what_to_do(tmp_path):
    """The check as `make test` runs it: exit 1 and the command to run, on a stale copy."""
    copy = tmp_path / "repo"
    (copy / "scripts").mkdir(parents=True)
    (copy / "requirements").mkdir()
    (copy / "scripts" / "lock.py").write_bytes((ROOT / "scripts" / "lock.py").read_bytes())
    for name in ("run.txt", "dev.txt"):
        (copy / "requirements" / name).write_bytes((lock.RUN_LOCK.parent / name).read_bytes())
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (copy / "pyproject.toml").write_text(text, encoding="utf-8")

    def check():
        return subprocess.run([sys.executable, "scripts/lock.py", "check"], cwd=copy,
                              capture_output=True, text=True, timeout=60, check=False)

    assert check().returncode == 0
    (copy / "pyproject.toml").write_text(text.replace('"aiosqlite>=0.20,<1"', '"aiosqlite>=0.21,<1"'),
                                         encoding="utf-8")
    stale = check()
    assert stale.returncode == 1
    assert "make lock" in stale.stderr and "run.txt" in stale.stderr
