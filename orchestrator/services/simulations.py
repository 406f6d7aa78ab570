"""The API's what-if runner: stores each request, runs at most :data:`MAX_RUNNING` at a time in processes
of their own, queues the rest, and leaves nothing "running" for ever (docs/what-if.md).

A simulation is CPU-bound for seconds to minutes, so it runs in a separate process (started with
``spawn``: a fork of a process with threads and sockets is not safe), never on the event loop. Each
request gets a folder under ``var/simulations/<id>`` for its derived files and plots.

Nothing is lost silently: at start-up the runner fails every open simulation whose API process is gone
(this host's dead processes, an earlier application in this very process, or any owner silent for
:data:`STALE_AFTER`); at shutdown it stops its own processes and fails what they were running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from multiprocessing.process import BaseProcess
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from orchestrator.catalog import Catalog
from orchestrator.clock import PlantClock
from orchestrator.persistence import simulations_repo
from orchestrator.persistence.tables.simulations import SimulationRow
from orchestrator.security.vault import Vault
from orchestrator.services.simulation_job import SimulationJob, run_job
from orchestrator.services.simulation_setup import SimulationRequest, build_cases
from orchestrator.settings import Settings

MAX_RUNNING = 1  # the simulation is CPU-bound: one at a time leaves the API's other core to the API
MAX_QUEUED = 20
STALE_AFTER = timedelta(minutes=15)
STOP_GRACE_SECONDS = 5.0
log = logging.getLogger("c2m.simulations")


class SimulationQueueFull(RuntimeError):
    """Too many simulations wait already; the message says to retry later."""


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SimulationRunner:
    """Runs the planners' what-if simulations of one API process."""

    def __init__(self, settings: Settings, engine: Engine, clock: PlantClock, catalog: Catalog, vault: Vault,
                 max_running: int = MAX_RUNNING) -> None:
        self.settings, self.engine, self.clock, self.catalog, self.vault = settings, engine, clock, catalog, vault
        self.folder = settings.var_dir / "simulations"
        self.host, self.pid, self.instance = socket.gethostname(), os.getpid(), uuid.uuid4().hex[:12]
        self.owner = f"{self.host}:{self.pid}:{self.instance}"
        self.max_running = max_running
        self._queue: asyncio.Queue[SimulationJob] = asyncio.Queue()
        self._workers: list[asyncio.Task[None]] = []
        self._processes: dict[str, BaseProcess] = {}

    # --- life ---------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Fail what an earlier API process left open, then take requests.

        A database that is down (or not migrated yet) must not stop the API from serving: the health
        endpoint is how operators find out.
        """
        failed = await self._fail_open(self._abandoned, "at the next start")
        if failed:
            log.warning("marked %d interrupted simulation(s) failed: %s", len(failed), ", ".join(failed))
        self._start_workers()

    def _start_workers(self) -> None:
        if not self._workers:
            self._workers = [asyncio.create_task(self._work(), name=f"simulation-worker-{n}")
                             for n in range(self.max_running)]

    async def stop(self) -> None:
        """Stop the running simulations' processes and fail every simulation of ours still open."""
        for task in self._workers:
            task.cancel()
        started = [p for p in self._processes.values() if p.pid is not None]
        for process in started:
            process.terminate()
        for process in started:
            await asyncio.to_thread(process.join, STOP_GRACE_SECONDS)
            if process.is_alive():
                process.kill()
                await asyncio.to_thread(process.join, STOP_GRACE_SECONDS)
        for task in self._workers:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._workers = []
        await self._fail_open(self._ours_stopped, "at the next start")

    async def _fail_open(self, why: Callable[[SimulationRow], str | None], retried: str) -> list[str]:
        """Mark failed the open simulations ``why`` gives a reason for; a database that cannot answer
        (down, or not migrated yet) is logged, not raised: it must not stop the API from serving or stopping."""
        try:
            return await asyncio.to_thread(simulations_repo.fail_abandoned, self.engine, why,
                                           datetime.now(UTC), self.clock.now())
        except SQLAlchemyError as exc:
            log.warning("could not look for interrupted simulations (the database answered: %s); they are "
                        "marked failed %s", str(exc).splitlines()[0], retried)
            return []

    def _abandoned(self, row: SimulationRow) -> str | None:
        """Why an open simulation found at start-up can no longer finish (None: its process may still run it)."""
        host, _, rest = row.owner.partition(":")
        pid_text, _, instance = rest.partition(":")
        reason = "the API process running it stopped (restart or crash) before it finished; run it again"
        if host == self.host and pid_text.isdigit():
            pid = int(pid_text)
            if (pid == self.pid and instance != self.instance) or not _process_alive(pid):
                return reason
            return None
        return reason if datetime.now(UTC) - row.updated_at > STALE_AFTER else None

    def _ours_stopped(self, row: SimulationRow) -> str | None:
        if row.owner == self.owner:
            return "the API stopped before the simulation finished; run it again"
        return None

    # --- requests -----------------------------------------------------------------------------------

    async def submit(self, request: SimulationRequest, requested_by: str) -> SimulationRow:
        """Check and store the request, then queue it (:class:`WhatIfError` for a bad request)."""
        if self._queue.qsize() >= MAX_QUEUED:
            raise SimulationQueueFull(f"{MAX_QUEUED} simulations are waiting already; retry when some are done")
        simulation_id = f"SIM-{uuid.uuid4().hex[:10].upper()}"
        folder = self.folder / simulation_id
        try:
            cases = await asyncio.to_thread(build_cases, request, settings=self.settings, engine=self.engine,
                                            catalog=self.catalog, vault=self.vault, now=self.clock.now(),
                                            folder=folder)
        except Exception:
            await asyncio.to_thread(_remove_folder, folder)
            raise
        now = datetime.now(UTC)
        row = SimulationRow(id=simulation_id, status="queued", requested_by=requested_by,
                            request=request.model_dump(mode="json"), step="waiting for a free simulation worker",
                            owner=self.owner, created_at=now, updated_at=now)
        await asyncio.to_thread(simulations_repo.insert_simulation, self.engine, row, self.clock.now())
        job = SimulationJob(simulation_id, self.settings.resolved_database_url, folder, cases.baseline,
                            cases.variant, tuple(request.policies), request.orders, self.clock, self.owner)
        self._start_workers()  # an application served without its lifespan (a test client) runs them too
        self._queue.put_nowait(job)
        return row

    def plot_file(self, simulation_id: str, name: str) -> Path | None:
        """The PNG of a stored plot, or None (names are checked against the row by the caller)."""
        path = self.folder / simulation_id / f"{name}.png"
        return path if path.is_file() else None

    # --- running ------------------------------------------------------------------------------------

    async def _work(self) -> None:
        while True:
            job = await self._queue.get()
            try:
                await self._run(job)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.exception("simulation %s could not be run", job.id)
                await asyncio.to_thread(simulations_repo.fail, self.engine, job.id,
                                        f"the simulation could not be started: {exc}", datetime.now(UTC),
                                        self.clock.now())
            finally:
                self._queue.task_done()

    async def _run(self, job: SimulationJob) -> None:
        process = multiprocessing.get_context("spawn").Process(target=run_job, args=(job,), daemon=True,
                                                               name=f"c2m-simulation-{job.id}")
        self._processes[job.id] = process
        try:
            await asyncio.to_thread(process.start)
            await asyncio.to_thread(process.join)
        finally:
            self._processes.pop(job.id, None)
        if process.exitcode != 0:  # killed or crashed: the process could not say so itself
            await asyncio.to_thread(simulations_repo.fail, self.engine, job.id,
                                    f"the simulation's process ended abruptly (exit code {process.exitcode}); "
                                    "run it again, with fewer orders if memory is short",
                                    datetime.now(UTC), self.clock.now())


def _remove_folder(folder: Path) -> None:
    if folder.is_dir():
        for path in sorted(folder.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        folder.rmdir()
