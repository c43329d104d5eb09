"""Which code is running: the package version and, in a git checkout, the commit.

The commit is read from the files under .git rather than by running git: the service user does
not own the checkout (git would refuse it as "dubious ownership") and may have no git at all.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import metadata
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent


def _git_dir(checkout: Path) -> Path | None:
    dot_git = checkout / ".git"
    if dot_git.is_dir():
        return dot_git
    if dot_git.is_file():  # a worktree: "gitdir: /path/to/repo/.git/worktrees/name"
        text = dot_git.read_text(encoding="utf-8").strip()
        if text.startswith("gitdir:"):
            return (checkout / text.removeprefix("gitdir:").strip()).resolve()
    return None


def _ref(git_dir: Path, ref: str) -> str | None:
    common = git_dir
    commondir = git_dir / "commondir"
    if commondir.is_file():
        common = (git_dir / commondir.read_text(encoding="utf-8").strip()).resolve()
    for folder in (git_dir, common):
        loose = folder / ref
        if loose.is_file():
            return loose.read_text(encoding="utf-8").strip()
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8").splitlines():
            if line.endswith(" " + ref):
                return line.split(" ", 1)[0]
    return None


def commit(checkout: Path = CHECKOUT) -> str | None:
    try:
        git_dir = _git_dir(checkout)
        if git_dir is None:
            return None
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
        sha = _ref(git_dir, head.removeprefix("ref:").strip()) if head.startswith("ref:") else head
    except OSError:
        return None
    return sha[:10] if sha else None


@lru_cache(maxsize=1)
def version() -> str:
    try:
        number = metadata.version("coalition-bot")
    except metadata.PackageNotFoundError:
        number = "unknown"
    sha = commit()
    return f"{number} ({sha})" if sha else number
