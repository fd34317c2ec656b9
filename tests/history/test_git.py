"""runtime.history.git against real repositories built in temporary folders."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from runtime.history import Commit, HistoryError, Repo
from tests.history.gitrepo import GitRepo

PLAN = "plan start {}\n"
ACME = "contract ACME-1 {}\n"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """Three commits: a workspace under ws/, edited, then a file renamed and one removed."""
    git = GitRepo(tmp_path / "repo")
    git.commit(
        "Start",
        {
            "README.md": "top\n",
            "ws/avtale.toml": "[workspace]\n",
            "ws/plans/start.avt": PLAN,
            "ws/contracts/acme.avt": ACME,
            "ws/contracts/old.avt": "contract OLD-1 {}\n",
            "ws/notes.txt": "not a source\n",
        },
        date="2026-01-05T09:00:00+01:00",
    )
    git.commit(
        "Raise the start plan",
        {"ws/plans/start.avt": "plan start { price 2 }\n"},
        date="2026-02-01T10:30:00+01:00",
        author="Ola Nordmann",
        email="ola@example.no",
    )
    git.rename("ws/contracts/acme.avt", "ws/contracts/acme-as.avt")
    git.commit("Rename ACME's file; drop OLD-1", {"ws/contracts/old.avt": None}, date="2026-03-01T08:00:00+02:00")
    return git


def test_at_finds_the_top_level_from_a_subfolder(repo: GitRepo) -> None:
    assert Repo.at(repo.path / "ws" / "plans").root == repo.path.resolve()
    assert Repo.at(repo.path / "ws" / "plans" / "start.avt").root == repo.path.resolve()


def test_at_outside_any_repository(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(HistoryError) as caught:
        Repo.at(tmp_path / "plain")
    assert str(caught.value).startswith(f"{tmp_path / 'plain'} is not in a git repository")
    assert "git init" in caught.value.help


def test_at_without_git(repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "no-programs"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(HistoryError) as caught:
        Repo.at(repo.path)
    assert str(caught.value) == "git is not installed: no `git` program was found on PATH"
    assert caught.value.help.startswith("install git")


def test_resolve(repo: GitRepo) -> None:
    history = repo.git("log", "--format=%H").split()
    found = Repo.at(repo.path)
    assert found.resolve("HEAD") == history[0]
    assert found.resolve("HEAD~2") == history[2]
    assert found.resolve("main~1") == history[1]
    assert found.resolve(history[1][:10]) == history[1]
    repo.git("tag", "v1", history[2])  # a lightweight tag
    assert found.resolve("v1") == history[2]


@pytest.mark.parametrize("rev", ["HEAD~9", "no-such-branch", "--all", ""])
def test_resolve_unknown(repo: GitRepo, rev: str) -> None:
    with pytest.raises(HistoryError) as caught:
        Repo.at(repo.path).resolve(rev)
    assert f"`{rev}`" in str(caught.value)
    assert "git log --oneline" in caught.value.help


def test_resolve_a_tree_is_not_a_commit(repo: GitRepo) -> None:
    tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    with pytest.raises(HistoryError, match=f"^revision `{tree}` names a tree, not a commit$"):
        Repo.at(repo.path).resolve(tree)
    blob = repo.git("rev-parse", "HEAD:ws/avtale.toml").strip()
    with pytest.raises(HistoryError, match="names a blob, not a commit"):
        Repo.at(repo.path).resolve(blob)


def test_resolve_other_revision_syntax(repo: GitRepo) -> None:
    history = repo.git("log", "--format=%H").split()
    found = Repo.at(repo.path)
    assert found.resolve(":/Raise the start") == history[1]  # the youngest commit whose message matches
    assert found.resolve("main^") == history[1]
    tagger = {"GIT_COMMITTER_NAME": "Kari", "GIT_COMMITTER_EMAIL": "kari@example.no"}
    repo.git("tag", "-a", "-m", "annotated", "signed-off", history[2], env=tagger)
    assert found.resolve("signed-off") == history[2]  # an annotated tag, peeled to its commit


def test_resolve_before_the_first_commit(tmp_path: Path) -> None:
    git = GitRepo(tmp_path / "empty")
    with pytest.raises(HistoryError) as caught:
        Repo.at(git.path).resolve("HEAD")
    assert "has no commits yet" in str(caught.value)


def test_tree_files_at_each_revision(repo: GitRepo) -> None:
    found = Repo.at(repo.path)
    first = found.tree_files("HEAD~2", repo.path / "ws")
    assert first == {
        "avtale.toml": b"[workspace]\n",
        "contracts/acme.avt": ACME.encode(),
        "contracts/old.avt": b"contract OLD-1 {}\n",
        "plans/start.avt": PLAN.encode(),
    }
    assert list(first) == sorted(first)
    assert found.tree_files("HEAD~1", repo.path / "ws")["plans/start.avt"] == b"plan start { price 2 }\n"
    assert found.tree_files("HEAD", repo.path / "ws") == {
        "avtale.toml": b"[workspace]\n",
        "contracts/acme-as.avt": ACME.encode(),
        "plans/start.avt": b"plan start { price 2 }\n",
    }


def test_tree_files_reads_committed_content_not_the_work_tree(repo: GitRepo) -> None:
    repo.write({"ws/plans/start.avt": "edited, not committed\n", "ws/new.avt": "untracked\n"})
    files = Repo.at(repo.path).tree_files("HEAD", repo.path / "ws")
    assert files["plans/start.avt"] == b"plan start { price 2 }\n"
    assert "new.avt" not in files


def test_tree_files_at_the_root_and_deeper_settings(tmp_path: Path) -> None:
    git = GitRepo(tmp_path / "flat")
    git.commit("flat", {"avtale.toml": "a\n", "x.avt": "x\n", "sub/avtale.toml": "another workspace\n"})
    # only the workspace's own settings file: a deeper avtale.toml belongs to another workspace
    assert Repo.at(git.path).tree_files("HEAD", git.path) == {"avtale.toml": b"a\n", "x.avt": b"x\n"}


def test_tree_files_leaves_out_links_and_keeps_binary_content(tmp_path: Path) -> None:
    git = GitRepo(tmp_path / "links")
    git.write({"ws/avtale.toml": "", "ws/a.avt": b"\xff\x00raw\n"})
    os.symlink("a.avt", git.path / "ws" / "link.avt")
    git.commit("links")
    assert Repo.at(git.path).tree_files("HEAD", git.path / "ws") == {"a.avt": b"\xff\x00raw\n", "avtale.toml": b""}


def test_tree_files_many_blobs_in_one_batch(tmp_path: Path) -> None:
    git = GitRepo(tmp_path / "many")
    files = {f"ws/c/{i:04}.avt": f"contract C-{i} {{}}\n" * (i % 7 + 1) for i in range(300)}
    files["ws/c/same.avt"] = files["ws/c/0001.avt"]  # one blob under two names
    git.commit("many", files)
    found = Repo.at(git.path).tree_files("HEAD", git.path / "ws")
    assert found == {name.removeprefix("ws/"): text.encode() for name, text in files.items()}


def test_tree_files_folder_missing_at_revision(repo: GitRepo) -> None:
    repo.commit("Second workspace", {"other/avtale.toml": ""})
    with pytest.raises(HistoryError) as caught:
        Repo.at(repo.path).tree_files("HEAD~1", repo.path / "other")
    message = str(caught.value)
    assert message.startswith("the folder other is not in the repository at revision `HEAD~1` (")
    assert "git log --oneline -- other" in caught.value.help


def test_tree_files_folder_outside_the_repository(repo: GitRepo, tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="is not inside the repository"):
        Repo.at(repo.path).tree_files("HEAD", tmp_path)


def test_log_newest_first_with_authors_and_dates(repo: GitRepo) -> None:
    commits = Repo.at(repo.path).log()
    assert [c.subject for c in commits] == ["Rename ACME's file; drop OLD-1", "Raise the start plan", "Start"]
    ids = repo.git("log", "--format=%H").split()
    assert [c.id for c in commits] == ids
    assert [c.short for c in commits] == [i[:12] for i in ids]
    middle = commits[1]
    assert middle == Commit(
        id=ids[1],
        short=ids[1][:12],
        author="Ola Nordmann",
        email="ola@example.no",
        date=datetime(2026, 2, 1, 10, 30, tzinfo=timezone(timedelta(hours=1))),
        subject="Raise the start plan",
    )
    assert commits[0].date.utcoffset() == timedelta(hours=2)


def test_log_of_paths_and_following_a_rename(repo: GitRepo) -> None:
    found = Repo.at(repo.path)
    assert [c.subject for c in found.log(paths=["ws/plans/start.avt"])] == ["Raise the start plan", "Start"]
    assert [c.subject for c in found.log(paths=["ws/contracts/acme-as.avt"])] == ["Rename ACME's file; drop OLD-1"]
    followed = found.log(paths=["ws/contracts/acme-as.avt"], follow=True)
    assert [c.subject for c in followed] == ["Rename ACME's file; drop OLD-1", "Start"]
    assert [c.subject for c in found.log("HEAD~1", paths=["ws/contracts"])] == ["Start"]


def test_log_before_the_first_commit(tmp_path: Path) -> None:
    assert Repo.at(GitRepo(tmp_path / "empty").path).log() == []


def test_changed_files_between_commits(repo: GitRepo) -> None:
    found = Repo.at(repo.path)
    assert found.changed_files("HEAD~2", "HEAD~1") == [("M", "ws/plans/start.avt", "ws/plans/start.avt")]
    assert found.changed_files("HEAD~1", "HEAD") == [
        ("R", "ws/contracts/acme.avt", "ws/contracts/acme-as.avt"),
        ("D", "ws/contracts/old.avt", None),
    ]
    assert found.changed_files("HEAD", "HEAD~2") == [
        ("R", "ws/contracts/acme-as.avt", "ws/contracts/acme.avt"),
        ("A", None, "ws/contracts/old.avt"),
        ("M", "ws/plans/start.avt", "ws/plans/start.avt"),
    ]
    assert found.changed_files("HEAD", "HEAD") == []


def test_changed_files_against_the_work_tree(repo: GitRepo) -> None:
    index = repo.path / ".git" / "index"
    before = index.read_bytes()
    repo.write(
        {
            ".gitignore": "ignored.avt\n",
            "ws/ignored.avt": "ignored\n",
            "ws/plans/start.avt": "plan start { price 3 }\n",
            "ws/contracts/new.avt": "contract NEW-1 {}\n",
            "ws/scratch.txt": "untracked, not a source\n",
        }
    )
    repo.rename("ws/contracts/acme-as.avt", "ws/contracts/acme-renamed.avt")  # not staged: an untracked file
    found = Repo.at(repo.path)
    assert found.changed_files("HEAD", None) == [  # untracked files other than .avt are not listed
        ("R", "ws/contracts/acme-as.avt", "ws/contracts/acme-renamed.avt"),
        ("A", None, "ws/contracts/new.avt"),
        ("M", "ws/plans/start.avt", "ws/plans/start.avt"),
    ]
    assert index.read_bytes() == before  # the repository's index is left as it was
    assert "acme-renamed.avt" in repo.git("status", "--porcelain")  # still untracked
    repo.git("add", ".gitignore")
    assert found.changed_files("HEAD~2", None) == [
        ("A", None, ".gitignore"),
        ("R", "ws/contracts/acme.avt", "ws/contracts/acme-renamed.avt"),
        ("A", None, "ws/contracts/new.avt"),
        ("D", "ws/contracts/old.avt", None),
        ("M", "ws/plans/start.avt", "ws/plans/start.avt"),
    ]


def test_changed_files_work_tree_without_untracked_files(repo: GitRepo) -> None:
    (repo.path / "ws" / "contracts" / "acme-as.avt").unlink()
    assert Repo.at(repo.path).changed_files("HEAD", None) == [("D", "ws/contracts/acme-as.avt", None)]


def test_status_clean_and_dirty(repo: GitRepo) -> None:
    found = Repo.at(repo.path)
    head = repo.git("rev-parse", "HEAD").strip()
    ws = repo.path / "ws"
    assert found.status(ws) == (head, False)
    repo.write({"ws/scratch.txt": "x", "ws/ledger.sqlite": "x", "README.md": "outside the folder\n"})
    assert found.status(ws) == (head, False)  # untracked files that are not sources; a change outside ws/
    repo.write({".gitignore": "*.tmp.avt\n", "ws/draft.tmp.avt": "ignored\n"})
    assert found.status(ws) == (head, False)
    repo.write({"ws/contracts/new.avt": "contract NEW-1 {}\n"})
    assert found.status(ws) == (head, True)
    repo.write({"ws/contracts/new.avt": None, "ws/notes.txt": "a tracked file changed\n"})
    assert found.status(ws) == (head, True)
    repo.git("add", "ws/notes.txt")
    assert found.status(ws) == (head, True)  # staged counts too
    repo.git("reset", "-q", "--hard")
    assert found.status(ws) == (head, False)
    repo.git("mv", "ws/contracts/acme-as.avt", "ws/contracts/b.avt")
    assert found.status(ws) == (head, True)


def test_status_before_the_first_commit(tmp_path: Path) -> None:
    git = GitRepo(tmp_path / "new")
    assert Repo.at(git.path).status(git.path) == (None, False)
    git.write({"a.avt": "x"})
    assert Repo.at(git.path).status(git.path) == (None, True)


def test_log_names_authors_as_the_mailmap_does(repo: GitRepo) -> None:
    repo.commit("Mailmap", {".mailmap": "Ola Nordmann <ola@firma.no> <ola@example.no>\n"})
    middle = Repo.at(repo.path).log()[2]
    assert (middle.subject, middle.author, middle.email) == ("Raise the start plan", "Ola Nordmann", "ola@firma.no")
