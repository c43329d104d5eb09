"""Files the bot attached, written into a folder so a person can open the export they asked for.

The name comes from the bot and is treated as untrusted: only its last part is kept, with
anything but letters, digits, dots, dashes and underscores replaced, and an existing file is
never overwritten.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

UNSAFE = re.compile(r"[^\w.-]+")


def safe_name(name: str) -> str:
    cleaned = UNSAFE.sub("_", Path(name.replace("\\", "/")).name).strip("._")
    return cleaned[:120] or "file"


class FileFolder:
    def __init__(self, folder: Path, contents: dict[int, tuple[str, bytes]]) -> None:
        self.folder = folder
        self.contents = contents  # the fake's attachments: id -> (filename, bytes)
        self.saved: dict[str, Path] = {}

    def save(self, attachment: dict[str, Any]) -> str | None:
        """Where the attachment now is on disk (written once, however often it is shown)."""
        key = str(attachment.get("id"))
        if key not in self.saved:
            stored = self.contents.get(int(key)) if key.isdigit() else None
            if stored is None:
                return None
            self.saved[key] = self._write(safe_name(stored[0]), stored[1])
        return str(self.saved[key])

    def _write(self, name: str, content: bytes) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        stem, dot, suffix = name.partition(".")
        path = self.folder / name
        number = 1
        while path.exists():
            number += 1
            path = self.folder / f"{stem}-{number}{dot}{suffix}"
        path.write_bytes(content)
        return path
