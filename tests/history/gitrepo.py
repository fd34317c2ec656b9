"""Real git repositories in temporary folders, with fixed authors and dates so that ids are stable."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

ISOLATED = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "LC_ALL": "C",
}
"""No user or system git configuration: a test sees the same git wherever it runs."""


class GitRepo:
    """A work tree at `path`, committed to with `commit(...)`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        merged = {**os.environ, **ISOLATED, **(env or {})}
        done = subprocess.run(["git", *args], cwd=self.path, env=merged, capture_output=True, text=True, check=True)
        return done.stdout

    def write(self, files: Mapping[str, str | bytes | None]) -> None:
        """Write each file (None deletes it), creating folders as needed."""
        for name, content in files.items():
            target = self.path / name
            if content is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")

    def commit(
        self,
        message: str,
        files: Mapping[str, str | bytes | None] | None = None,
        *,
        date: str = "2026-01-01T12:00:00+01:00",
        author: str = "Kari Nordmann",
        email: str = "kari@example.no",
    ) -> str:
        """Write `files`, stage everything and commit it; the new commit's full id."""
        self.write(files or {})
        self.git("add", "-A")
        env = {
            "GIT_AUTHOR_NAME": author,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": author,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_COMMITTER_DATE": date,
        }
        self.git("commit", "-q", "--allow-empty", "--no-gpg-sign", "-m", message, env=env)
        return self.git("rev-parse", "HEAD").strip()

    def rename(self, old: str, new: str) -> None:
        (self.path / new).parent.mkdir(parents=True, exist_ok=True)
        (self.path / old).rename(self.path / new)
