"""Small-count suppression: no hidden cell can be recovered from the published table."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.suppression import Hidden, Table, bounds, suppress


def feasible_values(table: Table, k: int) -> list[set[int]]:
    """Every value each hidden cell can take given what is published (brute force)."""
    cells = table.cells
    hidden = [i for i, c in enumerate(cells) if not c.visible]
    visible_sum = sum(c.count for c in cells if c.visible)
    if not table.total.visible:
        top = sum(c.count for c in cells) + 2 * k  # the reader knows less: try a generous range of totals
        totals = range(visible_sum, visible_sum + top + 1)
    else:
        totals = range(table.total.count, table.total.count + 1)
    options: list[set[int]] = [set() for _ in hidden]
    for total in totals:
        rest = total - visible_sum
        ranges = [
            range(bounds(cells[i].hidden, k, total)[0], min(bounds(cells[i].hidden, k, total)[1], rest) + 1)
            for i in hidden
        ]
        for combo in itertools.product(*ranges):
            if sum(combo) == rest:
                for slot, value in enumerate(combo):
                    options[slot].add(value)
    return options


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 14), min_size=1, max_size=5), st.integers(2, 6))
def test_no_hidden_cell_can_be_recovered(counts: list[int], k: int) -> None:
    """Whatever the counts, each hidden cell keeps at least two possible values."""
    table = suppress(counts, k)
    for options in feasible_values(table, k):
        assert len(options) >= 2


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=8), st.integers(1, 10))
def test_small_counts_are_always_hidden_and_large_ones_mostly_shown(counts: list[int], k: int) -> None:
    """Every count below K is hidden as "<K"; secondary suppression only ever hides counts ≥ K."""
    table = suppress(counts, k)
    for count, cell in zip(counts, table.cells, strict=True):
        assert cell.count == count
        if count < k:
            assert cell.hidden is Hidden.PRIMARY and cell.shown(k) == f"<{k}"
        if cell.hidden is Hidden.SECONDARY:
            assert count >= k and cell.shown(k) == "·"


def test_one_small_cell_takes_the_smallest_other_with_it() -> None:
    """[3, 7, 20] with K=5: 3 alone could be recovered from the total, so 7 is hidden too."""
    table = suppress([3, 7, 20], 5)
    assert table.shown(5) == ["<5", "·", "20"]
    assert table.total.shown(5) == "30"


def test_nothing_hidden_when_every_count_is_large() -> None:
    assert suppress([5, 9], 5).shown(5) == ["5", "9"]


def test_a_small_total_hides_everything() -> None:
    table = suppress([1, 2], 5)
    assert table.shown(5) == ["<5", "<5"] and table.total.shown(5) == "<5"


def test_all_cells_just_below_k_hide_the_total() -> None:
    """[4, 4] with K=5 and a total of 8: each must be 4, so the total is withheld."""
    table = suppress([4, 4], 5)
    assert table.shown(5) == ["<5", "<5"] and not table.total.visible


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        suppress([-1, 3], 5)
