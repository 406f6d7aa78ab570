"""Why a throughput run went as fast as it did: what the app database and Temporal histories say about it.

Read-only helpers for the throughput and memory benchmarks: how busy each plant line was, how long orders
waited between stages, and what a workflow's history holds (events, signals and activities by kind).
"""

from __future__ import annotations

import sqlite3
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from orchestrator.temporal_client import connect_temporal
from workflows.contracts import PLANT_SCHEDULER_ID

if TYPE_CHECKING:
    from bench.bench_throughput import Pair
    from bench.stack import BenchStack

HAPPY_PATH = ["received", "planned", "materials_reserved", "scheduled", "in_production", "quality_check", "packed",
              "shipped", "delivered"]


def _read_only(db_file: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=30)


def _seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def line_busy(db_file: Path, run_seconds: float) -> dict[str, float]:
    """Per line, the share of the run it had a work order running (started to completed, as recorded)."""
    if run_seconds <= 0:
        return {}
    with _read_only(db_file) as db:
        rows = db.execute("SELECT line, kind, json_extract(payload, '$.work_order_id'), created_at FROM events "
                          "WHERE kind IN ('work_order_started', 'work_order_completed') ORDER BY id").fetchall()
    started: dict[str, float] = {}
    busy: defaultdict[str, float] = defaultdict(float)
    for line, kind, work_order, created in rows:
        if kind == "work_order_started":
            started[work_order] = _seconds(created)
        elif work_order in started:
            busy[line] += _seconds(created) - started.pop(work_order)
    return {line: round(seconds / run_seconds, 3) for line, seconds in sorted(busy.items())}


def stage_waits(db_file: Path) -> dict[str, float]:
    """Median wall seconds an order spent between consecutive stages of the happy path."""
    with _read_only(db_file) as db:
        rows = db.execute("SELECT order_id, json_extract(payload, '$.stage'), created_at FROM events "
                          "WHERE kind = 'stage' ORDER BY id").fetchall()
    reached: defaultdict[str, dict[str, float]] = defaultdict(dict)
    for order_id, stage, created in rows:
        reached[order_id].setdefault(stage, _seconds(created))
    waits: defaultdict[str, list[float]] = defaultdict(list)
    for stages in reached.values():
        path = [s for s in HAPPY_PATH if s in stages]
        for before, after in pairwise(path):
            waits[f"{before} → {after}"].append(stages[after] - stages[before])
    return {step: round(statistics.median(values), 2) for step, values in waits.items()}


def solve_seconds(db_file: Path) -> list[float]:
    """The solver's own seconds of each scheduler batch that solved (from its ``schedule_solved`` rows)."""
    with _read_only(db_file) as db:
        rows = db.execute("SELECT json_extract(payload, '$.solve_seconds') FROM events "
                          "WHERE kind = 'schedule_solved'").fetchall()
    return [float(r[0]) for r in rows if r[0] is not None]


def event_counts(db_file: Path) -> Counter[str]:
    """Rows of the events table by kind."""
    with _read_only(db_file) as db:
        return Counter({kind: n for kind, n in db.execute("SELECT kind, count(*) FROM events GROUP BY kind")})


@dataclass
class Census:
    """What the histories of one workflow id (every run of it) hold."""

    runs: int = 0
    events: Counter[str] = field(default_factory=Counter)
    signals: Counter[str] = field(default_factory=Counter)
    activities: Counter[str] = field(default_factory=Counter)  # scheduled remote activities by type
    attempts: Counter[str] = field(default_factory=Counter)  # the last attempt number of each, summed
    task_failures: Counter[str] = field(default_factory=Counter)  # failed workflow tasks by message

    def summary(self) -> str:
        """One line: workflow tasks, signals and activities."""
        signals = ", ".join(f"{n} {name}" for name, n in self.signals.most_common()) or "none"
        retried = {name: self.attempts[name] - n for name, n in self.activities.items()}
        acts = ", ".join(f"{n} {name}" + (f" (+{retried[name]} retried attempts)" if retried[name] > 0 else "")
                         for name, n in self.activities.most_common())
        return (f"{self.runs} run(s), {self.events['workflow_task_completed']} workflow tasks, "
                f"{self.events['marker_recorded']} local activities, {self.events['timer_started']} timers; "
                f"signals: {signals}; activities: {acts or 'none'}")


async def census(address: str, workflow_id: str) -> Census:
    """Count events, signals and activities over every run of ``workflow_id`` (continue-as-new chains too)."""
    client = await connect_temporal(address)
    out = Census()
    async for execution in client.list_workflows(f"WorkflowId = '{workflow_id}'"):
        out.runs += 1
        history = await client.get_workflow_handle(workflow_id, run_id=execution.run_id).fetch_history()
        scheduled: dict[int, str] = {}
        for event in history.events:
            kind = (event.WhichOneof("attributes") or "").removesuffix("_event_attributes")
            out.events[kind] += 1
            if kind == "workflow_execution_signaled":
                out.signals[event.workflow_execution_signaled_event_attributes.signal_name] += 1
            elif kind == "activity_task_scheduled":
                name = event.activity_task_scheduled_event_attributes.activity_type.name
                scheduled[event.event_id] = name
                out.activities[name] += 1
            elif kind == "workflow_task_failed":
                out.task_failures[event.workflow_task_failed_event_attributes.failure.message[:200]] += 1
            elif kind == "activity_task_started":
                attrs = event.activity_task_started_event_attributes
                out.attempts[scheduled.get(attrs.scheduled_event_id, "?")] += attrs.attempt
    return out


# --- a throughput run, diagnosed and explained -----------------------------------------------------

# What an order waits for between two stages, in plain words.
STAGE_MEANING = {
    "received → planned": "planning, a local activity in the order's first workflow task",
    "planned → materials_reserved": "reserving stock, a local activity writing to the app database",
    "materials_reserved → scheduled": "the plant scheduler's booking: one workflow takes the bookings (at most "
                                      "200 per batch), aborts and line events as signals and plans, pushes to the "
                                      "MES and answers the orders in one activity per batch",
    "scheduled → in_production": "the first work order starting on a line",
    "in_production → quality_check": "production on the simulated lines (the order hears its first start and, "
                                     "once every operation is done, one production_finished signal)",
    "quality_check → packed": "a durable timer (the quality check's plant hours) and a workflow task",
    "packed → shipped": "a durable timer (packing) and a workflow task",
    "shipped → delivered": "a durable timer (transit) and a workflow task",
}
# Signs of trouble in the worker's log, and what each means.
LOG_SIGNS = {
    "exceeded workflow execution limit for signal events":
        "signals refused: a workflow run reached Temporal's limit of signals per run",
    "exceeded the error limit": "a workflow task's payloads passed Temporal's 2 MB limit, so the task failed",
    "Potential deadlock detected": "a workflow task ran over 2 s without yielding (the SDK's deadlock detector)",
    "Workflow task duration exceeded": "workflow tasks took over 5 s (local activities waiting in them)",
    "Task not found when completing": "workflow tasks timed out before the worker finished them (work redone)",
    "no valid schedule": "a scheduler batch found no valid schedule and was retried",
    "MesUnavailable": "the MES did not answer the scheduler in time",
}
PLANT_BOUND = 0.85  # a line busy this share of the run or more sets the pace


@dataclass
class Diagnosis:
    """What one run of ours looked like from the inside."""

    cores: dict[str, float]  # CPU cores busy on average over the run, by process
    lines: dict[str, float]  # share of the run each line was busy
    waits: dict[str, float]  # median seconds between stages
    scheduler: Census
    order: Census
    failures: dict[str, float]  # failed activity attempts by type
    latency_ms: dict[str, float]  # mean activity execution time by type
    log_signs: Counter[str] = field(default_factory=Counter)  # LOG_SIGNS keys by the lines that mention them
    solves: list[float] = field(default_factory=list)  # solver seconds per scheduler batch


def diagnose(stack: BenchStack, seconds: float, cpu_before: dict[str, float], sample_order: str) -> Diagnosis:
    """Read the stack after a run: CPU, lines, stage waits, the scheduler's and one order's history."""
    import asyncio

    cpu_after = stack.cpu_seconds()
    cores = {k: round((cpu_after[k] - cpu_before.get(k, 0.0)) / seconds, 2) for k in cpu_after} if seconds else {}
    counts = stack.metric_counts("temporal_activity_execution_latency")
    sums = stack.metric_counts("temporal_activity_execution_latency", suffixes=("_sum",))
    latency = {k: round(sums.get(k, 0.0) / v, 1) for k, v in counts.items() if v}
    scheduler = asyncio.run(census(stack.temporal_address, PLANT_SCHEDULER_ID))
    order = asyncio.run(census(stack.temporal_address, sample_order)) if sample_order else Census()
    return Diagnosis(cores=cores, lines=line_busy(stack.db_file, seconds), waits=stage_waits(stack.db_file),
                     scheduler=scheduler, order=order,
                     failures=stack.metric_counts("temporal_activity_execution_failed"), latency_ms=latency,
                     log_signs=sum((log_signs(log) for log in stack.worker_logs), Counter()),
                     solves=solve_seconds(stack.db_file))


def log_signs(log_file: Path) -> Counter[str]:
    """How many lines of a log mention each of :data:`LOG_SIGNS` (empty when the log is missing)."""
    found: Counter[str] = Counter()
    try:
        with open(log_file, encoding="utf-8", errors="replace") as log:
            for line in log:
                for sign in LOG_SIGNS:
                    if sign in line:
                        found[sign] += 1
    except OSError:
        pass
    return found


def explain(n: int, pairs: list[Pair], target: float) -> list[str]:
    """Plain-words notes for one N: the verdict, where the time went, and what was busy."""
    last = pairs[-1]
    ours, d = last.ours, last.diagnosis
    done = ours.counted
    notes = [f"N={n}: {o.completed} of {o.n} orders delivered in {o.seconds:.0f} s"
             + (" before the time limit cut the run short" if o.timed_out else "")
             + (f"; {o.ended_otherwise} ended otherwise (failed, cancelled or rejected)" if o.ended_otherwise else "")
             for o in (p.ours for p in pairs) if o.timed_out or o.ended_otherwise]
    notes += [f"N={n}: the API refused {o.refused} of {o.n} orders (they are left out of the run); the first "
              f"answer: {o.refusal}" for o in (p.ours for p in pairs) if o.refused]
    ratio = statistics.median(p.ratio for p in pairs)
    verdict = "meets" if ratio >= target else "misses"
    ours_tasks = statistics.median(p.ours.workflow_tasks / p.ours.counted for p in pairs)
    bare_tasks = statistics.median(p.bare.workflow_tasks / p.bare.counted for p in pairs)
    notes.append(f"N={n}: our orders reach {ratio:.0%} of the bare workflow rate, which {verdict} the "
                 f"{target:.0%} target. Per order the worker ran {ours_tasks:.1f} workflow tasks against "
                 f"{bare_tasks:.1f} for a bare workflow with the same activities (medians); the figures below "
                 "come from the last run.")
    if d.waits:
        worst = sorted(d.waits.items(), key=lambda kv: -kv[1])
        step, wait = worst[0]
        notes.append(f"N={n}: where an order's time went (median seconds between stages, last run): "
                     + ", ".join(f"{s} {w:.1f}" for s, w in d.waits.items())
                     + f". The longest wait, {wait:.0f} s from {step}, is {STAGE_MEANING.get(step, 'that step')}.")
    sched = d.scheduler
    notes.append(f"N={n}: the plant scheduler (one workflow, every signal to it handled in turn): "
                 f"{sum(sched.signals.values()) / done:.1f} signals per order; {sched.summary()}.")
    batch_ms = d.latency_ms.get("scheduler.solve_and_release")
    if batch_ms and d.solves:
        notes.append(f"N={n}: a scheduler batch (solve, then push to the MES) took {batch_ms / 1000:.1f} s on average, "
                     f"the solver {statistics.median(d.solves):.1f} s of it (median of {len(d.solves)}); the rest "
                     "is releasing job orders to the MES and resequencing each line, asked again line by line "
                     "when a job started meanwhile. Bookings that arrive during a batch wait for the next one.")
    if sched.task_failures:
        notes.append(f"N={n}: the plant scheduler's workflow tasks failed (and were retried): "
                     + "; ".join(f"{c}× {m}" for m, c in sched.task_failures.most_common(3)) + ".")
    stuck = [p.ours for p in pairs if p.ours.stalled]
    if stuck:
        notes.append(f"N={n}: {len(stuck)} run(s) stalled: no order changed stage for minutes, with "
                     f"{stuck[-1].completed} of {n} delivered; the rate above counts what was delivered over the "
                     "whole run. The worker's log says why (next note).")
    if d.log_signs:
        notes.append(f"N={n}: in the worker's log (last run): "
                     + "; ".join(f"{LOG_SIGNS[k]} ({v} lines)" for k, v in d.log_signs.most_common()) + ".")
    if d.order.runs:
        notes.append(f"N={n}: one order's own history ({ours.sample}): {d.order.summary()}.")
    per_type = ", ".join(f"{k} {v / done:.2f}" for k, v in sorted(ours.by_type.items(), key=lambda kv: -kv[1]))
    notes.append(f"N={n}: activities per order (delivered, or placed if the run did not finish), all workflows "
                 f"of the system: {per_type}.")
    notes += _repeated_work(n, ours.by_type, done)
    if d.latency_ms:
        notes.append(f"N={n}: mean activity execution time: "
                     + ", ".join(f"{k} {v:.0f} ms" for k, v in sorted(d.latency_ms.items())) + ".")
    if d.failures:
        notes.append(f"N={n}: failed activity attempts (retried): "
                     + ", ".join(f"{k} {v:.0f}" for k, v in sorted(d.failures.items())) + ".")
    busiest = max(d.lines.items(), key=lambda kv: kv[1], default=("none", 0.0))
    bound = "plant-bound" if busiest[1] >= PLANT_BOUND else "not plant-bound"
    notes.append(f"N={n}: lines busy (share of the run): "
                 + ", ".join(f"{k} {v:.0%}" for k, v in d.lines.items())
                 + f"; the busiest, {busiest[0]}, at {busiest[1]:.0%}: {bound}.")
    busy_seconds = busiest[1] * ours.seconds
    if busy_seconds > 0 and last.bare.per_second:
        ceiling = ours.completed / busy_seconds
        notes.append(f"N={n}: the plant's own ceiling: {busiest[0]} alone worked {busy_seconds:.0f} s for these "
                     f"orders at this plant clock, so no orchestration could deliver them faster than "
                     f"{ceiling:.2f} orders/s, {ceiling / last.bare.per_second:.0%} of the bare rate (which has "
                     "no plant to wait for); ours reached "
                     f"{ours.per_second / ceiling:.0%} of that ceiling.")
    total, busiest_process = sum(d.cores.values()), max(d.cores.items(), key=lambda kv: kv[1], default=("none", 0.0))
    saturated = total >= 1.6 or busiest_process[1] >= 0.8  # a Python process gets about one core (the GIL)
    notes.append(f"N={n}: CPU cores busy on average (of 2): "
                 + ", ".join(f"{k} {v:.2f}" for k, v in d.cores.items())
                 + f"; {total:.2f} in all. "
                 + (f"The {busiest_process[0]} or the machine was near its limit." if saturated else
                    "No process was near a full core on average: the run waited on round trips and on work "
                    "done one at a time more than on CPU."))
    return notes


def _repeated_work(n: int, by_type: dict[str, float], done: int) -> list[str]:
    """Notes on activities that ran more often per order than the order's path asks for."""
    def per_order(name: str) -> float:
        return by_type.get(name, 0.0) / done

    notes = []
    first = max(per_order("order.plan (local)"), per_order("order.reserve_materials (local)"))
    if first > 1.1:
        notes.append(f"N={n}: planning and reserving ran up to {first:.1f} times per order: with many orders "
                     "starting at once their first workflow task (both local activities) outlived the task "
                     "timeout while the local activities queued for the worker and the app database, so the task "
                     "was retried from the start.")
    booking = per_order("order.request_booking")
    if booking > 1.1:
        notes.append(f"N={n}: {booking:.1f} booking requests per order: an order without an answer asks again "
                     "(after 1, 2, 4, then every 8 minutes), each time another signal into the busy scheduler.")
    safety = per_order("order.completed_operations")
    if safety > 0.5:
        notes.append(f"N={n}: the safety net that asks the MES for completed work orders ran {safety:.1f} times per "
                     "order: it fires after the plant ETA plus 24 plant hours of silence, which at this time scale "
                     "is seconds of wall time, less than the lag of the line monitors' signals.")
    return notes
