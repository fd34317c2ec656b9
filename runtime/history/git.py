"""Reading a workspace's history through the `git` executable.

Every call runs `git` with `-z` output (paths as they are, NUL-terminated, never quoted), in the C
locale, without a pager, and with optional locks off (`GIT_OPTIONAL_LOCKS=0`), so that reading never
rewrites the index another git command may be using. Many blobs are read in one `git cat-file
--batch`. Why the executable and not a library: docs/history.md, "Reading git".

Nothing here changes the repository: not the index, not a ref, not a file of the work tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import attrs

SETTINGS_FILE = "avtale.toml"
SHORT = 12
"""Hex digits of an abbreviated commit id."""
_REGULAR_MODES = (b"100644", b"100755")
"""Tree entry modes of regular files: 120000 (a symbolic link) and 160000 (a submodule) are not read."""
_FIELDS = ("%H", "%aN", "%aE", "%aI", "%s")
"""Id, author and e-mail (as .mailmap maps them, as git log shows them), author date, subject."""


class HistoryError(Exception):
    """A problem reading history that the user can fix: no git, no repository, an unknown revision."""

    def __init__(self, message: str, help: str) -> None:
        super().__init__(message)
        self.help = help


@attrs.frozen(kw_only=True)
class Commit:
    id: str
    """The full hex id."""
    short: str
    """The id abbreviated to 12 hex digits."""
    author: str
    email: str
    date: datetime
    """The author date, with its timezone."""
    subject: str


def _environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        LC_ALL="C",
        LANGUAGE="",
        GIT_PAGER="cat",
        PAGER="cat",
        GIT_OPTIONAL_LOCKS="0",
        GIT_TERMINAL_PROMPT="0",
        GIT_ADVICE="0",
    )
    env.update(extra or {})
    return env


def _first_line(stderr: bytes) -> str:
    text = stderr.decode("utf-8", errors="replace").strip()
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line.removeprefix("fatal: ").removeprefix("error: ")
    return "no message"


def _git(
    args: Sequence[str],
    cwd: Path,
    *,
    data: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run `git ARGS` in `cwd`; a failure (when `check`) is a HistoryError quoting git's own message."""
    command = ["git", "--no-pager", "-c", "core.quotepath=off", "-c", "color.ui=false", *args]
    # Input from, and messages to, temporary files: with stdout the only pipe, its output is read in one
    # go, not in thousands of polled chunks (a batch of 10,000 blobs comes back three times faster).
    with tempfile.TemporaryFile() as given, tempfile.TemporaryFile() as errors:
        given.write(data or b"")
        given.seek(0)
        try:
            done = subprocess.run(
                command, cwd=cwd, stdin=given, stdout=subprocess.PIPE, stderr=errors, env=_environment(env), check=False
            )
        except FileNotFoundError as exc:
            if exc.filename != "git":
                raise HistoryError(f"cannot run git in {cwd}: {exc}", "check that the folder exists") from None
            raise HistoryError(
                "git is not installed: no `git` program was found on PATH",
                "install git (https://git-scm.com) and make sure `git` runs in this shell; Avtale reads history "
                "through it",
            ) from None
        except OSError as exc:
            raise HistoryError(f"cannot run git: {exc}", "check that `git --version` runs in this shell") from None
        errors.seek(0)
        done.stderr = errors.read()
    if check and done.returncode != 0:
        raise HistoryError(
            f"git {args[0]} failed: {_first_line(done.stderr)}",
            "run the same git command yourself to see the whole message; `git status` is a good start",
        )
    return done


def _split(output: bytes) -> list[str]:
    """NUL-separated fields, decoded (paths that are not UTF-8 keep their bytes as surrogates, as os does)."""
    parts = output.split(b"\0")
    if parts and parts[-1] == b"":
        parts.pop()
    return [os.fsdecode(part) for part in parts]


def _check_rev(rev: str) -> None:
    if not rev or rev.startswith("-") or "\0" in rev or "\n" in rev:
        raise HistoryError(
            f"`{rev}` is not a revision",
            "name a commit, branch or tag, such as HEAD~1, main or a commit id (`git log --oneline` lists them)",
        )


@attrs.define
class Repo:
    """The git repository holding a workspace, read through the `git` executable."""

    root: Path
    """The top level of the work tree (resolved)."""

    @classmethod
    def at(cls, path: Path) -> Repo:
        """The repository whose work tree holds `path`; HistoryError if there is none, or no git."""
        start = path.resolve()
        while not start.is_dir() and start != start.parent:
            start = start.parent
        done = _git(["rev-parse", "--is-inside-work-tree", "--show-toplevel"], start, check=False)
        lines = done.stdout.decode("utf-8", errors="surrogateescape").splitlines()
        if done.returncode != 0 or len(lines) != 2 or lines[0] != "true":
            reason = _first_line(done.stderr) if done.returncode != 0 else "it is not in a work tree"
            if "not a git repository" in reason:
                reason = "no .git was found there or in any folder above it"
            raise HistoryError(
                f"{path} is not in a git repository: {reason}",
                "revisions are read from git: run `git init` and commit the workspace, or point --workspace at a "
                "workspace inside a repository",
            )
        return cls(root=Path(lines[1]).resolve())

    def run(self, *args: str, data: bytes | None = None, env: Mapping[str, str] | None = None) -> bytes:
        """The output of `git ARGS` in this repository (HistoryError when git fails): for plumbing the
        methods below do not cover, such as `rev-list --parents` or `diff-tree`."""
        return _git(args, self.root, data=data, env=env).stdout

    def head(self) -> str | None:
        """HEAD's commit id, None before the first commit."""
        done = _git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], self.root, check=False)
        return done.stdout.decode().strip() if done.returncode == 0 else None

    def resolve(self, rev: str) -> str:
        """The full id of the commit `rev` names; HistoryError naming it when there is none."""
        _check_rev(rev)
        # The name alone first, then peeled to a commit (a tag names one): `:/message` and `@{...}` take
        # no suffix after them.
        named = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", rev], self.root, check=False)
        if named.returncode == 0:
            oid = named.stdout.decode().strip()
            done = _git(["rev-parse", "--verify", "--quiet", f"{oid}^{{commit}}"], self.root, check=False)
            if done.returncode == 0:
                return done.stdout.decode().strip()
            kind = _git(["cat-file", "-t", oid], self.root, check=False).stdout.decode().strip() or "object"
            raise HistoryError(
                f"revision `{rev}` names a {kind}, not a commit",
                "name a commit, branch or tag, such as HEAD~1, main or a commit id (`git log --oneline` lists them)",
            )
        if self.head() is None:
            raise HistoryError(
                f"unknown revision `{rev}`: the repository at {self.root} has no commits yet",
                "commit the workspace first (`git add -A && git commit`); only committed states can be read",
            )
        raise HistoryError(
            f"unknown revision `{rev}` in the repository at {self.root}",
            "name a commit, branch or tag, such as HEAD~1, main or a commit id (`git log --oneline` lists them)",
        )

    def _relative(self, folder: Path) -> str:
        """`folder` as a POSIX path relative to the root ("" for the root itself)."""
        try:
            inside = folder.resolve().relative_to(self.root)
        except ValueError:
            raise HistoryError(
                f"{folder} is not inside the repository at {self.root}",
                "run Avtale on a workspace inside the repository whose history you mean",
            ) from None
        if "\n" in str(inside):
            raise HistoryError(f"cannot read the folder {folder!r} from git", "rename the folder without a line break")
        return "" if inside == Path(".") else inside.as_posix()

    def tree_files(self, rev: str, folder: Path) -> dict[str, bytes]:
        """Every `*.avt` file, and `avtale.toml` at the top, under `folder` as committed at `rev`, by
        POSIX path relative to `folder`. Regular files only: links and submodules are left out."""
        commit = self.resolve(rev)
        relative = self._relative(folder)
        spec = f"{commit}:{relative}" if relative else f"{commit}^{{tree}}"
        found = self.run("cat-file", "--batch-check", data=f"{spec}\n".encode()).decode().split()
        if len(found) != 3 or found[1] != "tree":
            raise HistoryError(
                f"the folder {relative} is not in the repository at revision `{rev}` ({commit[:SHORT]})",
                "the workspace did not exist there yet, or was in another folder: pick a later revision "
                f"(`git log --oneline -- {relative}` lists the commits that touched it)",
            )
        tree = found[0]
        wanted: dict[str, str] = {}
        for entry in self.run("ls-tree", "-r", "-z", "--full-tree", tree).split(b"\0"):
            if not entry:
                continue
            meta, _, raw = entry.partition(b"\t")
            mode, kind, oid = meta.split(b" ")
            name = os.fsdecode(raw)
            if kind != b"blob" or mode not in _REGULAR_MODES:
                continue
            if name.endswith(".avt") or name == SETTINGS_FILE:
                wanted[name] = oid.decode()
        blobs = self.blobs(sorted(set(wanted.values())))
        return {name: blobs[oid] for name, oid in sorted(wanted.items())}

    def blobs(self, oids: Sequence[str]) -> dict[str, bytes]:
        """The contents of many blobs, from one `git cat-file --batch`."""
        if not oids:
            return {}
        output = memoryview(self.run("cat-file", "--batch", data="".join(f"{oid}\n" for oid in oids).encode()))
        blobs: dict[str, bytes] = {}
        at = 0
        for oid in oids:
            end = bytes(output[at : at + 200]).index(b"\n") + at
            header = bytes(output[at:end]).split(b" ")
            if len(header) != 3 or header[1] != b"blob":
                raise HistoryError(
                    f"git cat-file could not read object {oid}: {bytes(output[at:end]).decode(errors='replace')}",
                    "the repository may be damaged or shallow: run `git fsck`, or fetch the missing history",
                )
            size = int(header[2])
            blobs[oid] = bytes(output[end + 1 : end + 1 + size])
            at = end + 1 + size + 1  # the contents, then a newline
        return blobs

    def log(self, rev: str = "HEAD", paths: Sequence[str] = (), follow: bool = False) -> list[Commit]:
        """The commits reachable from `rev`, newest first; only those touching `paths` (relative to the
        root) when given. `follow`: follow one file across renames. Empty before the first commit."""
        if follow and len(paths) != 1:
            raise ValueError("follow=True follows exactly one path")
        if rev == "HEAD" and self.head() is None:
            return []
        commit = self.resolve(rev)
        args = ["log", "-z", "--no-show-signature", "--no-decorate", "--no-color"]
        args += [f"--format={'%x00'.join(_FIELDS)}", *(["--follow"] if follow else []), commit, "--", *paths]
        fields = _split(self.run(*args))
        width = len(_FIELDS)
        commits = []
        for at in range(0, len(fields) - width + 1, width):
            full, author, email, when, subject = fields[at : at + width]
            commits.append(
                Commit(
                    id=full.strip(),
                    short=full.strip()[:SHORT],
                    author=author,
                    email=email,
                    date=datetime.fromisoformat(when),
                    subject=subject,
                )
            )
        return commits

    def changed_files(self, old: str, new: str | None) -> list[tuple[str, str | None, str | None]]:
        """The files that differ between `old` and `new` (None: the work tree, untracked .avt files
        included), as (status, old path, new path) sorted by path: A (old path None), M, D (new path
        None) or R (a rename, detected as `git diff -M` does). Paths are relative to the root."""
        before = self.resolve(old)
        args = ["diff", "-z", "--name-status", "-M", "--no-relative", "--no-ext-diff", "--ignore-submodules", before]
        output = self.run(*args, self.resolve(new), "--") if new is not None else self._work_tree_diff(args)
        fields = _split(output)
        changes: list[tuple[str, str | None, str | None]] = []
        at = 0
        while at < len(fields):
            status = fields[at][:1]
            if status in ("R", "C"):
                source, target = fields[at + 1], fields[at + 2]
                changes.append(("R", source, target) if status == "R" else ("A", None, target))
                at += 3
                continue
            path = fields[at + 1]
            at += 2
            if status == "A":
                changes.append(("A", None, path))
            elif status == "D":
                changes.append(("D", path, None))
            else:  # M, T (a file became a link or back), U (unmerged): changed in place
                changes.append(("M", path, path))
        return sorted(changes, key=lambda c: (c[2] or c[1] or "", c[1] or ""))

    def _untracked_avt(self) -> list[str]:
        """Untracked, not ignored .avt files anywhere in the work tree."""
        found = self.run("ls-files", "-z", "--others", "--exclude-standard", "--full-name", "--", ":(top)")
        return [path for path in _split(found) if path.endswith(".avt")]

    def _work_tree_diff(self, args: list[str]) -> bytes:
        """`git diff ARGS` against the work tree, with untracked .avt files counted as added.

        They are marked intent-to-add in a copy of the index, in a temporary folder, so that renames to
        them are detected while the repository's own index stays untouched."""
        untracked = self._untracked_avt()
        if not untracked:
            return self.run(*args, "--")
        index = Path(self.run("rev-parse", "--path-format=absolute", "--git-path", "index").decode().strip())
        with tempfile.TemporaryDirectory(prefix="avtale-index-") as folder:
            copy = Path(folder) / "index"
            env = {"GIT_INDEX_FILE": str(copy)}
            if index.is_file():
                shutil.copyfile(index, copy)
            elif self.head() is not None:
                self.run("read-tree", "HEAD", env=env)
            self.run("add", "--intent-to-add", "--", *(f":(top,literal){path}" for path in untracked), env=env)
            return self.run(*args, "--", env=env)

    def status(self, folder: Path) -> tuple[str | None, bool]:
        """HEAD's commit id (None before the first commit), and whether anything under `folder` differs
        from it: a change staged or not, or an untracked .avt file (ignored files never count)."""
        relative = self._relative(folder)
        where = f":(top){relative}" if relative else ":(top)"
        output = self.run(
            "status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignore-submodules=none", "--", where
        )
        fields = _split(output)
        dirty = False
        at = 0
        while at < len(fields):
            entry = fields[at]
            code, path = entry[:2], entry[3:]
            at += 2 if "R" in code or "C" in code else 1  # a rename or copy is followed by its source path
            if code == "!!":
                continue
            if code == "??":
                if path.endswith(".avt"):
                    dirty = True
                continue
            dirty = True
        return self.head(), dirty
