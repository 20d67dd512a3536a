"""Benchmark of the matching engine on synthetic programs.

    .venv/bin/python bench/matching.py                      # all sizes, readable table
    .venv/bin/python bench/matching.py --sizes 200x80,2000x800 --json

For each size (mentees x mentors) it generates a program (capacities 1-5, ~50 topics with 1-5
each, 10 goals, 5 career stages, weekly availability in local time zones converted to UTC, 6
languages, formats, ~5% forbidden pairs decided by a hash of the pair inside the score source),
then runs, each in its own subprocess so that peak memory is measured cleanly:

- the optimal solver (scoring included): time, peak RSS, matched, total, whether proven;
- the stable solver: time and total (its ratio to the optimum is the cost of stability);
- up to 10000 x 4000, an independent exact optimum: scipy's dense linear_sum_assignment on the
  capacity-expanded matrix with weights big + round(score * 1e6), cardinality first;
- when OR-Tools is installed (the `bench` extra of pyproject.toml), its SimpleMinCostFlow on each
  mentee's 100 best mentors by the same scorer: maximum flow, then minimum cost, with integer
  costs at the same 1e-6 resolution and the mentors' capacities. Its time includes scoring and
  choosing the candidates, like the optimal solver's; it proves nothing beyond those candidates.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from matching.scoring import (  # noqa: E402 - the repo root must be importable first
    HOURS_PER_WEEK,
    PairScorer,
    PairScoreSource,
    SideFeatures,
    Weights,
)
from matching.solver import RESOLUTION, solve_optimal, solve_stable  # noqa: E402
from matching.solver.candidates import _prepare, _scan  # noqa: E402

DEFAULT_SIZES = "200x80,2000x800,10000x4000,50000x20000"
REFERENCE_LIMIT = 10_000 * 4_000  # largest mentees x mentors the dense reference may take
FLOW_CANDIDATES = 100  # mentors per mentee given to OR-Tools' min-cost flow
FORBIDDEN_SHARE = 0.05
UTC_OFFSETS = np.array([-8, -6, -5, -3, 0, 0, 1, 1, 2, 3, 5, 8, 9])


# --- synthetic programs ------------------------------------------------------------------------


def _pick(rng: np.random.Generator, n: int, weights: np.ndarray, low: int, high: int):
    """Each person picks low..high distinct columns, popular ones more often (Gumbel top-k)."""
    count = rng.integers(low, high + 1, n)
    keys = np.log(weights)[None, :] - np.log(-np.log(rng.random((n, weights.size))))
    order = np.argsort(-keys, axis=1)
    keep = np.arange(weights.size)[None, :] < count[:, None]
    rows = np.repeat(np.arange(n), count)
    data = np.ones(rows.size, dtype=bool)
    return sp.csr_matrix((data, (rows, order[keep])), shape=(n, weights.size))


def _availability(rng: np.random.Generator, n: int) -> np.ndarray:
    """1-4 weekly windows of 1-3 hours: weekday evenings or weekend days, local time to UTC."""
    mask = np.zeros((n, HOURS_PER_WEEK), dtype=bool)
    offset = rng.choice(UTC_OFFSETS, n)
    windows = rng.integers(1, 5, n)
    for w in range(4):
        day = rng.integers(0, 7, n)
        start = np.where(day >= 5, rng.integers(9, 17, n), rng.integers(17, 22, n))
        length = rng.integers(1, 4, n)
        for h in range(3):
            on = (windows > w) & (h < length)
            slot = (day * 24 + start + h - offset) % HOURS_PER_WEEK
            mask[np.flatnonzero(on), slot[on]] = True
    return mask


def _side(rng: np.random.Generator, n: int, stage_share: list[float]) -> SideFeatures:
    topic_weights = 1.0 / np.arange(1, 51) ** 0.8  # a few topics are much in demand
    languages = np.zeros((n, 6), dtype=bool)
    languages[:, 0] = rng.random(n) < 0.85
    second = rng.integers(1, 6, n)
    has_second = (rng.random(n) < 0.3) | ~languages[:, 0]
    languages[np.flatnonzero(has_second), second[has_second]] = True
    languages[rng.random(n) < 0.02] = False
    stage = rng.choice(5, n, p=stage_share)
    stage[rng.random(n) < 0.03] = -1
    return SideFeatures(
        topics=_pick(rng, n, topic_weights / topic_weights.sum(), 1, 5),
        goals=_pick(rng, n, np.full(10, 0.1), 1, 3),
        stage=stage,
        availability=_availability(rng, n),
        languages=sp.csr_matrix(languages),
        fmt=rng.choice(3, n, p=[0.6, 0.1, 0.3]).astype(np.int8),
    )


def forbid_rule(seed: int):
    """~5% of pairs, decided by a hash of (mentee, mentor): no n x m mask is ever stored."""
    threshold = np.uint32(int(FORBIDDEN_SHARE * 2**32))
    salt = np.uint32(seed * 0x9E3779B1 % 2**32)

    def rule(rows: np.ndarray, n_mentors: int) -> np.ndarray:
        x = rows.astype(np.uint32)[:, None] * np.uint32(0x9E3779B1)
        x = x ^ (np.arange(n_mentors, dtype=np.uint32)[None, :] * np.uint32(0x85EBCA77) + salt)
        x *= np.uint32(0xC2B2AE3D)
        x ^= x >> np.uint32(15)
        x *= np.uint32(0x27D4EB2F)
        x ^= x >> np.uint32(13)
        return x < threshold

    return rule


def program(n: int, m: int, seed: int) -> tuple[PairScoreSource, np.ndarray]:
    rng = np.random.default_rng(seed)
    mentees = _side(rng, n, [0.35, 0.35, 0.2, 0.08, 0.02])
    mentors = _side(rng, m, [0.02, 0.1, 0.3, 0.33, 0.25])
    capacities = rng.integers(1, 6, m)
    scorer = PairScorer(mentees=mentees, mentors=mentors, weights=Weights(), reciprocal=False)
    return PairScoreSource(scorer=scorer, forbid_rule=forbid_rule(seed)), capacities


# --- measurements, each run in a fresh subprocess ----------------------------------------------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def measure(kind: str, n: int, m: int, seed: int, workers: int) -> dict:
    clock = time.perf_counter()
    source, capacities = program(n, m, seed)
    setup = time.perf_counter() - clock
    base_mb = _peak_mb()
    clock = time.perf_counter()
    if kind == "reference":
        out = _reference(source, capacities)
    elif kind == "ortools":
        out = _min_cost_flow(source, capacities, workers)
    else:
        solve = solve_optimal if kind == "optimal" else solve_stable
        result = solve(scores=source, capacities=capacities, workers=workers)
        out = {
            "matched": result.n_matched,
            "total": result.total_score,
            "proven": result.optimal_proven,
            "timings": {k: round(v, 4) for k, v in result.timings.items()},
            "certificate": result.certificate,
        }
    return {
        **out,
        "seconds": time.perf_counter() - clock,
        "setup_seconds": setup,
        "peak_mb": _peak_mb(),
        "base_mb": base_mb,
    }


def _reference(source: PairScoreSource, capacities: np.ndarray) -> dict:
    """Exact lexicographic optimum from scipy's dense solver on the capacity-expanded matrix."""
    from scipy.optimize import linear_sum_assignment

    n, _ = source.shape
    scores = np.vstack([source.block(slice(s, s + 1024)) for s in range(0, n, 1024)])
    slots = np.repeat(np.arange(capacities.size), capacities)
    weights = np.rint(scores.astype(np.float64) * RESOLUTION)
    del scores
    weights += RESOLUTION * (n + 1)  # one more match outweighs any score difference
    weights = weights[:, slots]
    weights[~np.isfinite(weights)] = 0  # forbidden: no better than unmatched
    rows, cols = linear_sum_assignment(weights, maximize=True)
    real = weights[rows, cols] > 0
    rows, mentors = rows[real], slots[cols[real]]
    values = np.concatenate(
        [source.block(np.array([i]))[0, [j]] for i, j in zip(rows, mentors, strict=True)]
    )
    return {"matched": int(real.sum()), "total": float(values.astype(np.float64).sum())}


def _top_candidates(
    source: PairScoreSource, capacities: np.ndarray, *, k: int, workers: int
) -> tuple[np.ndarray, ...]:
    """Each mentee's k best allowed mentors: rows, columns, scores and quantized scores.

    Found by the optimal solver's own scan (same threads, same scorer), so that both sides
    pay the same for scoring and the comparison is between the solves.
    """
    problem = _prepare(scores=source, capacities=capacities, forbidden=None, locked=())
    pool = _scan(problem, k=k, workers=workers)
    rows, at = np.nonzero(pool.cols >= 0)
    return rows, pool.cols[rows, at], pool.values[rows, at], pool.q[rows, at]


def _min_cost_flow(source: PairScoreSource, capacities: np.ndarray, workers: int) -> dict:
    """OR-Tools' max-flow-min-cost on each mentee's FLOW_CANDIDATES best mentors.

    Nodes: 0 source, 1 sink, 2 + i mentee i, 2 + n + j mentor j. Arc costs RESOLUTION - q are
    non-negative; with the flow at its maximum, the least cost is the largest total score.
    """
    from ortools.graph.python import min_cost_flow

    n, m = source.shape
    rows, cols, values, q = _top_candidates(source, capacities, k=FLOW_CANDIDATES, workers=workers)
    mentees, mentors = 2 + np.arange(n), 2 + n + np.arange(m)
    tails = np.concatenate([np.zeros(n, dtype=np.int64), 2 + rows, mentors])
    heads = np.concatenate([mentees, 2 + n + cols, np.ones(m, dtype=np.int64)])
    caps = np.concatenate([np.ones(n + rows.size, dtype=np.int64), capacities.astype(np.int64)])
    costs = np.concatenate([np.zeros(n, dtype=np.int64), RESOLUTION - q, np.zeros(m, np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_nodes_supplies(np.array([0, 1]), np.array([n, -n]))
    clock = time.perf_counter()
    status = flow.solve_max_flow_with_min_cost()
    flow_seconds = time.perf_counter() - clock
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow ended with status {status}")
    used = flow.flows(arcs[n : n + rows.size]) > 0
    return {
        "matched": int(used.sum()),
        "total": float(values[used].sum()),
        "flow_seconds": flow_seconds,
        "arcs": int(tails.size),
    }


def run_case(n: int, m: int, *, seed: int, workers: int, timeout: float) -> dict:
    case = {"mentees": n, "mentors": m, "seed": seed, "workers": workers}
    kinds = ["optimal", "stable"] + (["reference"] if n * m <= REFERENCE_LIMIT else [])
    if importlib.util.find_spec("ortools") is not None:
        kinds.append("ortools")
    for kind in kinds:
        command = [sys.executable, __file__, "--measure", kind, f"--sizes={n}x{m}"]
        command += [f"--seed={seed}", f"--workers={workers}"]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, check=True
            )
            case[kind] = json.loads(done.stdout.strip().splitlines()[-1])
        except subprocess.TimeoutExpired:
            case[kind] = {"error": f"timed out after {timeout:.0f} s"}
        except subprocess.CalledProcessError as exc:
            case[kind] = {"error": exc.stderr.strip().splitlines()[-1][:200]}
    optimal, stable = case["optimal"], case["stable"]
    best = case.get("reference", {}).get("total")
    if "total" in optimal:
        case["ratio_to_reference"] = optimal["total"] / best if best else None
        case["unmatched_avoidable"] = (
            case["reference"]["matched"] - optimal["matched"] if best else None
        )
        if "total" in stable:
            case["cost_of_stability"] = stable["total"] / optimal["total"]
        if "total" in case.get("ortools", {}):
            case["ortools_to_optimal"] = case["ortools"]["total"] / optimal["total"]
    return case


# --- output ------------------------------------------------------------------------------------

COLUMNS = [
    ("size", 12),
    ("score+select s", 14),
    ("solve s", 8),
    ("total s", 8),
    ("peak MB", 8),
    ("matched", 13),
    ("total score", 12),
    ("vs exact", 9),
    ("proven", 6),
    ("stable s", 8),
    ("stable total", 12),
    ("stable/opt", 10),
    ("exact s", 8),
    ("OR-Tools s", 10),
    ("OR/opt", 8),
]


def _fmt(value, digits: int = 2) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table_row(case: dict) -> list[str]:
    optimal, stable = case["optimal"], case["stable"]
    reference = case.get("reference", {})
    if "error" in optimal:
        return [f"{case['mentees']}x{case['mentors']}", optimal["error"]] + [""] * 13
    timings = optimal["timings"]
    return [
        f"{case['mentees']}x{case['mentors']}",
        _fmt(timings["scan"]),
        _fmt(timings["total"] - timings["scan"]),
        _fmt(timings["total"]),
        _fmt(optimal["peak_mb"], 0),
        f"{optimal['matched']}/{case['mentees']}",
        _fmt(optimal["total"], 1),
        _fmt(case.get("ratio_to_reference"), 4),
        _fmt(optimal["proven"]),
        _fmt(stable.get("timings", {}).get("total")),
        _fmt(stable.get("total"), 1),
        _fmt(case.get("cost_of_stability"), 4),
        _fmt(reference.get("seconds")),
        _fmt(case.get("ortools", {}).get("seconds")),
        _fmt(case.get("ortools_to_optimal"), 4),
    ]


def print_table(cases: list[dict]) -> None:
    print("  ".join(name.rjust(width) for name, width in COLUMNS))
    for case in cases:
        cells = table_row(case)
        print("  ".join(cell.rjust(width) for cell, (_, width) in zip(cells, COLUMNS, strict=True)))
    print()
    print("score+select: the one pass that scores every pair and keeps each mentee's best ones;")
    print("solve: exact solve on those plus the optimality proof (re-scoring rows it needs);")
    print("peak MB: peak RSS of the subprocess that ran the optimal solver (interpreter included);")
    print("vs exact: total / scipy linear_sum_assignment optimum (n/a above 10000x4000);")
    print("stable/opt: cost of stability, the stable total over the optimal total;")
    print("OR-Tools s: SimpleMinCostFlow on each mentee's 100 best mentors, scoring included")
    print("(n/a without ortools); OR/opt: its total over the optimal total.")


def parse_sizes(text: str) -> list[tuple[int, int]]:
    sizes = []
    for part in text.split(","):
        n, _, m = part.strip().lower().partition("x")
        sizes.append((int(n), int(m)))
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"default {DEFAULT_SIZES}")
    parser.add_argument("--seed", type=int, default=1, help="program generator seed")
    parser.add_argument("--workers", type=int, default=2, help="scoring threads (default 2)")
    parser.add_argument("--json", action="store_true", help="one JSON object per case per line")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per measurement")
    parser.add_argument(
        "--measure", choices=["optimal", "stable", "reference", "ortools"], help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    sizes = parse_sizes(args.sizes)
    if args.measure:  # inside a subprocess: one measurement, printed as JSON
        n, m = sizes[0]
        print(json.dumps(measure(args.measure, n, m, args.seed, args.workers)))
        return 0
    cases = []
    for n, m in sizes:
        case = run_case(n, m, seed=args.seed, workers=args.workers, timeout=args.timeout)
        cases.append(case)
        if args.json:
            print(json.dumps(case), flush=True)
    if not args.json:
        print_table(cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
