"""End-to-end throughput: N orders through the whole system, against a bare Temporal workflow on the same server.

Ours: ``c2m up`` (Temporal dev server, simulators, API) and one worker process, with plentiful stock and a
fast plant clock. N orders of the three demo products are placed through ``POST /api/orders`` and followed
until every one is delivered; orders/s runs from the first placement to the last delivery. Activities are
counted from the worker's Prometheus metrics (every workflow of the system: orders, plant scheduler, line
monitors), remote and local apart.

Baseline, same run, same dev server: a bare workflow of K trivial remote activities and L trivial local
activities (K and L: ours per order, measured just before), N of them started together on their own task
queue with an in-process worker. Each repeat runs on a fresh stack (database, plant and Temporal history
start empty), ours first and the bare workflows right after.

Run ``python -m bench.bench_throughput [--quick] [--workers K] [--n N[,N]]``: progress, then a table of the
figures and the notes. ``--workers`` runs K worker processes (the default is one, as ``python -m bench`` does).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from temporalio.worker import Worker

from bench.bare_workflow import BareWorkflow, trivial_step
from bench.diagnostics import Diagnosis, diagnose, explain
from bench.figures import BenchResult, Figure, Series
from bench.stack import (
    BenchStack,
    free_port,
    keep,
    metric_counts,
    running_stack,
    scratch_dir,
    sigterm_as_interrupt,
)
from orchestrator.temporal_client import connect_temporal, metrics_runtime

# Plant seconds per wall second. A plant hour passes in a third of a second, so at N=200 no line is busy
# most of the run; much faster and the simulated lines' fixed per-job overhead (ticks, dispatch) outgrows
# the jobs themselves.
TIME_SCALE = 10_800.0
FAST_FULFILMENT = {"C2M_TRANSIT_HOURS": "4", "C2M_QUALITY_CHECK_HOURS": "1", "C2M_PACKING_HOURS": "1"}
PLACING_CONCURRENCY = 8  # parallel POSTs (and workflow starts for the baseline)
POLL_SECONDS = 0.5
PROGRESS_SECONDS = 5.0
TARGET_RATIO = 0.6
ENDED_OTHERWISE = ("failed", "cancelled", "rejected")
STAGES = ("received", "planned", "sourcing", "materials_reserved", "scheduled", "in_production", "quality_check",
          "packed", "shipped", "delivered", *ENDED_OTHERWISE)
STALL_SECONDS = 360.0  # no order changed stage for this long: the run is stuck, not slow
ACTIVITY_LATENCY = "temporal_activity_execution_latency"
LOCAL_LATENCY = "temporal_local_activity_execution_latency"
TASK_LATENCY = "temporal_workflow_task_execution_latency"

# Valid configurations of the demo products, none with special requests (so none waits for approval).
ORDER_MIX: list[tuple[str, dict[str, Any]]] = [
    ("aircon-split", {"colour": "white", "self_cleaning": True}),
    ("ebike-city", {}),
    ("aircon-split", {"colour": "silver", "capacity": "9k", "wifi": True}),
    ("suit-mtm", {"fabric": "wool_navy", "height": 180, "chest": 100, "waist": 86, "seat": 102, "shoulder": 46,
                  "sleeve": 64, "jacket_length": 76, "inseam": 82, "monogram": "ZM"}),
    ("aircon-split", {"colour": "graphite", "capacity": "18k", "inverter": True}),
    ("ebike-city", {"frame_size": "l", "rider_height": 186, "motor": "mid_drive", "battery": "720wh",
                    "colour": "sage_green", "accessories": ["mudguards", "rear_rack"]}),
    ("suit-mtm", {"fabric": "linen_sand", "height": 172, "chest": 96, "waist": 84, "seat": 98, "shoulder": 44,
                  "sleeve": 61, "jacket_length": 73, "inseam": 78}),
]


def order_body(i: int) -> dict[str, Any]:
    """The i-th order of the mix: quantity 1, its own customer, consenting to the processing of the
    measurements a made-to-measure suit carries (the API refuses them without)."""
    sku, options = ORDER_MIX[i % len(ORDER_MIX)]
    return {"sku": sku, "options": options, "quantity": 1, "consent": {"personal_data": True},
            "customer": {"name": f"Bench customer {i}", "email": f"bench{i}@example.com"}}


@dataclass
class RunOutcome:
    """One run of N workflows (ours or bare): rate, activity counts and the completion curve."""

    n: int
    seconds: float = 0.0
    completed: int = 0
    remote: float = 0.0
    local: float = 0.0
    workflow_tasks: float = 0.0
    curve: list[tuple[float, int]] = field(default_factory=list)
    by_type: dict[str, float] = field(default_factory=dict)
    ended_otherwise: int = 0
    timed_out: bool = False
    stalled: bool = False
    sample: str = ""  # one order id, for a look at its history
    refused: int = 0  # orders the API did not take (see ``refusal``)
    refusal: str = ""  # the first refusal's message

    @property
    def finished(self) -> bool:
        return not (self.stalled or self.timed_out)

    @property
    def counted(self) -> int:
        """What per-order figures divide by: orders completed, or placed when the run did not finish."""
        return max(self.completed if self.finished else self.n - self.refused, 1)

    @property
    def per_second(self) -> float:
        return self.completed / self.seconds if self.seconds > 0 else 0.0

    def activities_per_second(self, local: bool = False) -> float:
        return (self.local if local else self.remote) / self.seconds if self.seconds > 0 else 0.0

    def saw(self, done: int, elapsed: float) -> None:
        """Record a completion count seen ``elapsed`` seconds after the start."""
        if done > self.completed:
            self.completed, self.seconds = done, elapsed
            self.curve.append((round(elapsed, 2), done))


def _progress(what: str, done: int, n: int, elapsed: float, extra: str = "") -> None:
    print(f"  {what}: {done}/{n} done, {done / elapsed if elapsed > 0 else 0:.2f}/s, {elapsed:.0f} s {extra}",
          flush=True)


def time_limit(n: int) -> float:
    """Wall seconds a run of ``n`` may take before it is cut short (and reported as such)."""
    return 180 + 2.5 * n


def _count(stack: BenchStack, http: httpx.Client, status: str, last: int) -> int:
    """Orders at ``status``; ``last`` when the API is too busy to answer (the run goes on, bounded by its limit)."""
    try:
        return stack.count(http, status)
    except httpx.HTTPError as exc:
        print(f"  the API did not answer how many orders are {status} ({exc!r}); asking again later", flush=True)
        return last


def _delta(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {k: v - before.get(k, 0.0) for k, v in after.items() if v - before.get(k, 0.0) > 0}


# --- ours ----------------------------------------------------------------------------------------

def run_ours(stack: BenchStack, n: int, tag: str) -> RunOutcome:
    """Place ``n`` orders and wait (bounded) until all are delivered or ended otherwise."""
    remote0, local0 = stack.metric_counts(ACTIVITY_LATENCY), stack.metric_counts(LOCAL_LATENCY)
    tasks0 = stack.metric_counts(TASK_LATENCY, "workflow_type")
    placed: list[str] = []
    refused: list[str] = []  # the API's answers to orders it did not take
    placing_done = threading.Event()

    def place_one(http: httpx.Client, i: int) -> None:
        try:
            placed.append(stack.place(http, order_body(i), f"{tag}-{i}")["id"])
        except (RuntimeError, httpx.HTTPError) as exc:  # counted and reported; the other orders go on
            refused.append(str(exc))

    def place_all() -> None:
        with httpx.Client() as http, ThreadPoolExecutor(PLACING_CONCURRENCY) as pool:
            list(pool.map(lambda i: place_one(http, i), range(n)))
        placing_done.set()

    outcome = RunOutcome(n=n)
    started = last_print = last_change = time.monotonic()
    stages: dict[str, int] = {}
    placer = threading.Thread(target=place_all, name="placing", daemon=True)
    placer.start()
    with httpx.Client() as http:
        while True:
            if placing_done.is_set() and not placed:
                raise RuntimeError(f"the API refused every order; the first answer: {refused[0]}")
            delivered = _count(stack, http, "delivered", outcome.completed)
            now = time.monotonic()
            outcome.saw(delivered, now - started)
            if now - last_print >= PROGRESS_SECONDS:
                seen = {s: _count(stack, http, s, stages.get(s, 0)) for s in STAGES}
                if seen != stages:
                    stages, last_change = seen, now
                outcome.ended_otherwise = sum(seen[s] for s in ENDED_OTHERWISE)
                _progress(f"ours N={n}", delivered, n, now - started,
                          f"(placed {len(placed)}, refused {len(refused)}, ended otherwise {outcome.ended_otherwise})")
                last_print = now
            if placing_done.is_set() and delivered + outcome.ended_otherwise >= len(placed):
                break
            if now - started > time_limit(n):
                outcome.timed_out, outcome.seconds = True, now - started
                break
            if placing_done.is_set() and now - last_change > STALL_SECONDS:
                print(f"  stalled: no order changed stage for {STALL_SECONDS:.0f} s ({stages})", flush=True)
                outcome.stalled, outcome.seconds = True, now - started
                break
            time.sleep(POLL_SECONDS)
    placer.join(timeout=60)
    outcome.sample = placed[0] if placed else ""
    outcome.refused = len(refused)
    outcome.refusal = refused[0] if refused else ""
    remote = _delta(stack.metric_counts(ACTIVITY_LATENCY), remote0)
    local = _delta(stack.metric_counts(LOCAL_LATENCY), local0)
    outcome.remote, outcome.local = sum(remote.values()), sum(local.values())
    outcome.by_type = {**remote, **{f"{k} (local)": v for k, v in local.items()}}
    outcome.workflow_tasks = sum(_delta(stack.metric_counts(TASK_LATENCY, "workflow_type"), tasks0).values())
    return outcome


# --- the bare baseline -----------------------------------------------------------------------------

async def run_bare(address: str, n: int, remote: int, local: int, tag: str) -> RunOutcome:
    """Start ``n`` bare workflows together on their own task queue; wait (bounded) until all complete."""
    port = free_port()
    client = await connect_temporal(address, runtime=metrics_runtime(port))
    queue = f"bench-bare-{tag}"
    outcome = RunOutcome(n=n)
    gate = asyncio.Semaphore(PLACING_CONCURRENCY)

    async def start(i: int) -> None:
        async with gate:
            await client.start_workflow(BareWorkflow.run, args=[remote, local], id=f"{queue}-{i}", task_queue=queue)

    async with Worker(client, task_queue=queue, workflows=[BareWorkflow], activities=[trivial_step],
                      max_concurrent_activities=100):
        started = last_print = time.monotonic()
        starting = asyncio.gather(*(start(i) for i in range(n)))
        query = f"TaskQueue = '{queue}' AND ExecutionStatus = 'Completed'"
        while True:
            done = (await client.count_workflows(query)).count
            now = time.monotonic()
            outcome.saw(done, now - started)
            if now - last_print >= PROGRESS_SECONDS:
                _progress(f"bare N={n}", done, n, now - started)
                last_print = now
            if done >= n:
                break
            if now - started > time_limit(n):
                outcome.timed_out, outcome.seconds = True, now - started
                break
            await asyncio.sleep(POLL_SECONDS)
        await starting
    outcome.remote, outcome.local = float(outcome.completed * remote), float(outcome.completed * local)
    outcome.workflow_tasks = sum(metric_counts(f"http://127.0.0.1:{port}/metrics", TASK_LATENCY,
                                               "workflow_type").values())
    return outcome


# --- the benchmark ---------------------------------------------------------------------------------

@dataclass
class Pair:
    """Ours and the bare baseline, measured one after the other on the same stack."""

    ours: RunOutcome
    bare: RunOutcome
    k_remote: int
    k_local: int
    diagnosis: Diagnosis

    @property
    def ratio(self) -> float:
        return self.ours.per_second / self.bare.per_second if self.bare.per_second else 0.0


def measure_pair(n: int, var_dir: Path, tag: str, k_hint: tuple[int, int] | None = None, workers: int = 1) -> Pair:
    """A fresh stack with ``workers`` worker processes: N orders, then N bare workflows with as many activities
    per workflow as ours had.

    When our run did not finish (stalled or cut short), its activities per delivered order mean little:
    ``k_hint`` (from an earlier, finished run) sizes the bare workflows instead.
    """
    with running_stack(var_dir, TIME_SCALE, FAST_FULFILMENT, workers=workers) as stack:
        print(f"  stack up (plant clock ×{TIME_SCALE:g}, {workers} worker(s)); placing {n} orders", flush=True)
        cpu_before = stack.cpu_seconds()
        ours = run_ours(stack, n, tag)
        diagnosis = diagnose(stack, ours.seconds, cpu_before, ours.sample)
        k_remote, k_local = max(1, round(ours.remote / ours.counted)), round(ours.local / ours.counted)
        if k_hint and not ours.finished:
            k_remote, k_local = k_hint
        print(f"  bare workflows: {k_remote} activities + {k_local} local activities each", flush=True)
        bare = asyncio.run(run_bare(stack.temporal_address, n, k_remote, k_local, tag))
    return Pair(ours, bare, k_remote, k_local, diagnosis)


def figures(n: int, pairs: list[Pair]) -> list[Figure]:
    """The figures of one N over its repeats."""
    ours, bare = [p.ours for p in pairs], [p.bare for p in pairs]
    k = f"{pairs[-1].k_remote} activities + {pairs[-1].k_local} local activities"
    ratios = [p.ratio for p in pairs if p.bare.per_second]
    return [
        Figure(f"orders completed per second, N={n}", "orders/s", [o.per_second for o in ours],
               baseline=[b.per_second for b in bare], baseline_name=f"bare workflows/s ({k} each)",
               target=f"≥ {TARGET_RATIO:.0%} of the bare workflow rate",
               met=statistics.median(ratios) >= TARGET_RATIO if ratios else None,
               note="first placement (POST /api/orders) to last delivery; the target is judged on this "
                    "orders/s-equivalent ratio (bare workflows carry as many activities as our orders did)"),
        Figure(f"activities per second, N={n}", "activities/s", [o.activities_per_second() for o in ours],
               baseline=[b.activities_per_second() for b in bare], baseline_name="bare workflow activities/s",
               note="remote activity executions: the worker's temporal_activity_execution_latency count over "
                    "the run (every workflow of the system); local activities in the next figure"),
        Figure(f"local activities per second, N={n}", "activities/s",
               [o.activities_per_second(local=True) for o in ours],
               baseline=[b.activities_per_second(local=True) for b in bare],
               baseline_name="bare workflow local activities/s",
               note="temporal_local_activity_execution_latency count over the run"),
        Figure(f"workflow tasks per order, N={n}", "tasks/order",
               [o.workflow_tasks / o.counted for o in ours], baseline=[b.workflow_tasks / b.counted for b in bare],
               baseline_name="per bare workflow", higher_is_better=False,
               note="worker round trips (temporal_workflow_task_execution_latency count) per completed "
                    "order, the plant scheduler's and line monitors' included"),
    ]


def run(quick: bool = False, workers: int = 1, sizes: list[tuple[int, int]] | None = None) -> BenchResult:
    """N=200 three times and N=1000 once (quick: N=30 twice), each on a fresh stack with its own baseline;
    ``sizes`` as (N, repeats) pairs replaces that plan."""
    plan = sizes or ([(30, 2)] if quick else [(200, 3), (1000, 1)])
    result = BenchResult("End-to-end throughput against bare Temporal"
                         + (f" ({workers} worker processes)" if workers != 1 else ""))
    k_hint: tuple[int, int] | None = None
    with scratch_dir("c2m-bench-throughput-") as tmp, sigterm_as_interrupt():
        for n, repeats in plan:
            pairs: list[Pair] = []
            for r in range(repeats):
                print(f"N={n}, run {r + 1}/{repeats}", flush=True)
                tag = f"n{n}-r{r}-{uuid.uuid4().hex[:6]}"
                try:
                    pairs.append(measure_pair(n, Path(tmp) / tag, tag, k_hint, workers))
                except Exception as exc:  # one broken run must not lose the others' figures
                    print(f"  N={n}, run {r + 1} failed: {exc!r}", flush=True)
                    keep(tmp)
                    result.notes.append(f"N={n}, run {r + 1} failed and is left out: {exc}")
            if not pairs:
                continue
            finished = [p for p in pairs if p.ours.finished]
            k_hint = (finished[-1].k_remote, finished[-1].k_local) if finished else k_hint
            result.figures += figures(n, pairs)
            result.notes += explain(n, pairs, TARGET_RATIO)
            last = pairs[-1]
            for label, outcome in (("orders delivered (ours)", last.ours), ("bare workflows completed", last.bare)):
                result.series.append(Series(f"throughput_n{n}", label, [t for t, _ in outcome.curve],
                                            [float(c) for _, c in outcome.curve],
                                            "seconds since the first placement or start", "completed"))
    result.notes.append(f"Each run starts a fresh stack (plant clock ×{TIME_SCALE:g}, plentiful stock, 4 h "
                        f"transit, 1 h quality check, 1 h packing, {workers} worker process(es)); the bare workflows "
                        "run right after ours on the same Temporal dev server with an in-process worker.")
    return result


def print_table(result: BenchResult) -> None:
    """The figures as a plain table, then the notes."""
    print(f"\n{result.title}")
    print(f"{'figure':<40} {'ours (median ± spread)':>28} {'baseline':>9} {'ratio':>6}  target")
    for f in result.figures:
        base = f"{f.baseline_median:.2f}" if f.baseline_median is not None else "-"
        ratio = f"{f.ratio:.2f}" if f.ratio is not None else "-"
        met = "" if f.met is None else (" (met)" if f.met else " (MISSED)")
        print(f"{f.name:<40} {f'{f.median:.2f} ± {f.spread:.2f} {f.unit}':>28} {base:>9} {ratio:>6}  {f.target}{met}")
    for note in result.notes:
        print(f"- {note}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="End-to-end throughput against bare Temporal.")
    parser.add_argument("--quick", action="store_true", help="N=30, twice (instead of N=200 ×3 and N=1000)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--n", help="order counts to run once each, comma-separated (e.g. 200,1000)")
    args = parser.parse_args(argv)
    sizes = [(int(n), 1) for n in args.n.split(",")] if args.n else None
    print_table(run(quick=args.quick, workers=args.workers, sizes=sizes))


if __name__ == "__main__":
    main()
