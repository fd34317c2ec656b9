"""A workspace's history, read from git: revisions, the files committed at each, logs and changes."""

from runtime.history.git import Commit, HistoryError, Repo

__all__ = ["Commit", "HistoryError", "Repo"]
