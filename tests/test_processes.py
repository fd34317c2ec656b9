"""Work split between a process and a forked child (runtime/processes.py)."""

from __future__ import annotations

import os

import pytest

from runtime.processes import split_in_two


def squares(part: list[int]) -> list[int]:
    return [n * n for n in part]


def test_each_half_is_worked_once_and_comes_back_in_order() -> None:
    parent = os.getpid()
    seen: list[int] = []

    def work(part: list[int]) -> tuple[int, list[int]]:
        seen.append(os.getpid())  # the child's list is its own copy: only the parent's half shows here
        return os.getpid(), squares(part)

    (here, first), (there, second) = split_in_two(work, [1, 2, 3], [4, 5])
    assert (first, second) == ([1, 4, 9], [16, 25])
    assert here == parent and there != parent and seen == [parent]


def test_a_child_that_dies_leaves_its_half_to_the_parent() -> None:
    parent = os.getpid()

    def work(part: list[int]) -> list[int]:
        if os.getpid() != parent:
            os._exit(9)  # as if killed for memory
        return squares(part)

    assert split_in_two(work, [1, 2], [3]) == ([1, 4], [9])


def test_a_child_that_raises_leaves_its_half_to_the_parent() -> None:
    parent = os.getpid()
    done_here: list[list[int]] = []

    def work(part: list[int]) -> list[int]:
        if os.getpid() != parent:
            raise RuntimeError("a bug")
        done_here.append(part)
        return squares(part)

    assert split_in_two(work, [1, 2], [3]) == ([1, 4], [9])
    assert done_here == [[1, 2], [3]]  # both halves, in the end, here


def test_an_error_in_this_half_is_raised_here() -> None:
    parent = os.getpid()

    def work(part: list[int]) -> list[int]:
        if os.getpid() == parent:
            raise ValueError("a bug here")
        return squares(part)

    with pytest.raises(ValueError, match="a bug here"):
        split_in_two(work, [1], [2])
