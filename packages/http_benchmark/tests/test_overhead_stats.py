"""retry-overhead's aggregation: mirrored round orders, per-round ratios and their interval,
the verdict against a target, and the table and summary that print them with the A/A control."""

from __future__ import annotations

import random
from typing import Any

import pytest

from http_benchmark.nginx.overhead_stats import (
    RatioEstimate,
    block_sizes,
    median_estimate,
    mirrored_orders,
    per_round_ratios,
    ratio_estimate,
    verdict,
)
from http_benchmark.nginx.retry_overhead import (
    CONTROL,
    IMPORT_CONTROL,
    cpu_per_request,
    main,
    print_summary,
    print_table,
)


def _rng(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - reproducible orders, not secrets


def test_every_second_round_is_the_one_before_reversed() -> None:
    cells = ["httpx", "aresilient", CONTROL, "stamina"]
    orders = mirrored_orders(cells, 6, _rng(3))
    assert len(orders) == 6
    for first, second in zip(orders[::2], orders[1::2], strict=True):
        assert second == first[::-1]
    assert all(sorted(order) == sorted(cells) for order in orders)
    # Seeded: the same rng seed, the same orders; shuffles differ between pairs of rounds.
    assert orders == mirrored_orders(cells, 6, _rng(3))
    assert len({tuple(order) for order in orders[::2]}) > 1


def test_mirrored_rounds_give_every_cell_the_same_mean_place_and_first_half_the_time() -> None:
    cells = ["httpx", "aresilient", CONTROL]
    orders = mirrored_orders(cells, 8, _rng(11))
    places = {cell: [order.index(cell) for order in orders] for cell in cells}
    assert {sum(values) for values in places.values()} == {8 * (len(cells) - 1) / 2}
    for other in ("aresilient", CONTROL):
        before = sum(order.index("httpx") < order.index(other) for order in orders)
        assert before == 4


def test_an_odd_round_count_ends_on_a_fresh_shuffle() -> None:
    orders = mirrored_orders([1, 2, 3], 3, _rng(0))
    assert len(orders) == 3
    assert orders[1] == orders[0][::-1]
    assert mirrored_orders([1, 2], 0, _rng(0)) == []
    with pytest.raises(ValueError, match="rounds must be 0 or more"):
        mirrored_orders([1], -1, _rng(0))


def test_ratios_are_taken_within_each_round() -> None:
    # A drift that doubles every value by round 3 cancels in the per-round ratios.
    assert per_round_ratios([102.0, 153.0, 204.0], [100.0, 150.0, 200.0]) == pytest.approx(
        [1.02, 1.02, 1.02]
    )
    with pytest.raises(ValueError, match="each round needs both sides"):
        per_round_ratios([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="no rounds"):
        per_round_ratios([], [])
    with pytest.raises(ValueError, match="zero or negative"):
        per_round_ratios([1.0], [0.0])


def test_the_estimate_is_the_median_ratio_inside_its_seeded_interval() -> None:
    numerator = [101.0, 99.0, 104.0, 100.0, 103.0, 98.0, 102.0, 100.0]
    denominator = [100.0] * 8
    estimate = ratio_estimate(numerator, denominator, seed=5)
    assert estimate.median == pytest.approx(1.005)
    assert estimate.rounds == pytest.approx(tuple(value / 100 for value in numerator))
    assert min(estimate.rounds) <= estimate.low <= estimate.median <= estimate.high
    assert estimate.high <= max(estimate.rounds)
    assert estimate == ratio_estimate(numerator, denominator, seed=5)
    assert estimate.half_width == pytest.approx((estimate.high - estimate.low) / 2 / 1.005)
    # All rounds equal: no spread, the interval is the value itself.
    flat = median_estimate([1.01, 1.01, 1.01])
    assert (flat.median, flat.low, flat.high, flat.half_width) == (1.01, 1.01, 1.01, 0.0)
    with pytest.raises(ValueError, match="no rounds"):
        median_estimate([])


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.99, 1.02, "met: the whole CI is at or under 1.02x"),
        (1.021, 1.05, "NOT met: the whole CI is over 1.02x"),
        (1.0, 1.03, "undecided: the CI straddles 1.02x"),
    ],
)
def test_the_verdict_reads_the_whole_interval(low: float, high: float, expected: str) -> None:
    estimate = RatioEstimate((low + high) / 2, low, high, (low, high))
    assert verdict(estimate, 1.02) == expected


def _runs(cpu_us: list[float]) -> list[dict[str, Any]]:
    return [{"cpu": value / 1e6 * 1000, "wall": 0.5, "requests": 1000} for value in cpu_us]


def test_the_table_and_summary_show_the_ratio_beside_its_control(
    capsys: pytest.CaptureFixture[str],
) -> None:
    samples = {
        "httpx": _runs([300.0, 320.0, 310.0, 330.0]),
        "aresilient": _runs([309.0, 329.6, 319.3, 339.9]),  # 1.03 in every round
        CONTROL: _runs([300.0, 320.0, 310.0, 330.0]),  # the same as httpx: 1.000
        IMPORT_CONTROL: _runs([303.0, 323.2, 313.1, 333.3]),  # 1.01 in every round
    }
    ratios = print_table("sync", samples, seed=1)
    assert ratios["aresilient"].median == pytest.approx(1.03, abs=1e-3)
    assert ratios[CONTROL] == RatioEstimate(1.0, 1.0, 1.0, (1.0, 1.0, 1.0, 1.0))
    paired = [
        {
            "ratio": ratio,
            "control": control,
            "calls": {"httpx": 1700.0, "aresilient": 1705.0},
            "opcodes": {"httpx": 18000.0, "aresilient": 18036.0},
        }
        for ratio, control in ((1.001, 0.999), (1.004, 1.002), (0.998, 1.0))
    ]
    print_summary("sync", ratios, paired, seed=1)
    output = capsys.readouterr().out
    assert "aresilient/httpx: 1.030x (95 % CI 1.030-1.030" in output
    assert "NOT met: the whole CI is over 1.02x" in output
    assert "A/A control, separate processes, httpx/httpx: 1.000x (95 % CI 1.000-1.000" in output
    assert "import control, separate processes, httpx+import/httpx: 1.010x" in output
    assert "paired in one process, aresilient/httpx: 1.001x" in output
    assert "A/A control in those processes, httpx/httpx: 1.000x" in output
    assert "bytecode instructions per request (deterministic): httpx 18000, aresilient 18036" in (
        output
    )
    # Without paired runs (--no-paired) the summary stops after the separate processes.
    print_summary("sync", ratios, [], seed=1)
    assert "paired" not in capsys.readouterr().out


@pytest.mark.parametrize("option", ["--rounds", "--requests", "--paired-every"])
@pytest.mark.parametrize("value", ["0", "-3", "two"])
def test_counts_must_be_whole_numbers_of_one_or_more(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([option, value])
    assert exited.value.code == 2
    assert f"argument {option}:" in capsys.readouterr().err


def test_requests_are_cut_into_near_equal_blocks() -> None:
    assert block_sizes(10_000, 20) == [500] * 20
    assert block_sizes(1003, 4) == [251, 251, 251, 250]
    assert block_sizes(3, 20) == [1, 1, 1]
    for total, blocks in ((0, 20), (5, 0)):
        with pytest.raises(ValueError, match="need 1 request and 1 block or more"):
            block_sizes(total, blocks)


def test_a_runs_cpu_per_request_is_its_median_block() -> None:
    # One block slowed 10x by load elsewhere moves the mean, not the median.
    blocks = [300e-6] * 9 + [3000e-6]
    run = {"cpu": sum(blocks) * 100, "wall": 1.0, "requests": 1000, "block_cpu": blocks}
    assert cpu_per_request([run]) == pytest.approx([300.0])
    without_blocks = {"cpu": 0.3, "wall": 1.0, "requests": 1000}
    assert cpu_per_request([without_blocks]) == pytest.approx([300.0])
