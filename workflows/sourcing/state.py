"""The sourcing workflow's state and the small steps every part of it uses.

Workflow code (runs in the sandbox, deterministic): activities and non-deterministic modules come in
through ``imports_passed_through``; time is the workflow's clock mapped to plant time.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    import orchestrator.clock  # noqa: F401 - ClockSpec imports it lazily; load it with the workflow
    from orchestrator.ports.suppliers import DespatchAdvice
    from workflows.contracts import MaterialsExpected, Signals, SourcingInput
    from workflows.sourcing.activities import SourcingActivities
    from workflows.sourcing.messages import (
        CancelInput,
        CancelResult,
        EventInput,
        NeedRef,
        PlaceOrderResult,
        QuoteRoundInput,
        QuoteRoundResult,
    )

# Supplier calls retry internally; Temporal's retries cover a worker that died mid-call.
REMOTE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=10),
                           maximum_attempts=3)
QUOTE_TIMEOUT = timedelta(seconds=60)
PLACE_TIMEOUT = timedelta(seconds=120)  # 30 s of persistent retries, then maybe a 30 s cancel
CANCEL_TIMEOUT = timedelta(seconds=60)
CANCEL_DEADLINE = timedelta(minutes=10)
CANCEL_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30),
                           maximum_attempts=10)
LOCAL_TIMEOUT = timedelta(seconds=15)
# Local steps write to the app database: retry until it answers (a restart or failover takes longer than a
# few attempts would cover); errors that retrying cannot cure are raised as non-retryable.
LOCAL_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=5))

ASN_GRACE = timedelta(hours=1)  # plant time past the promised delivery before asking the supplier
FIRST_FOLLOW_UP = timedelta(hours=6)
MAX_FOLLOW_UP = timedelta(days=1)
MAX_POLLS = 12
MAX_QUOTE_ROUNDS = 3
EPSILON = 1e-6
# Telling the parent order of a late date is a command that histories from before it lack.
TELL_ORDER_PATCH = "tell-order-of-late-materials"
# Asking again after a rejection rather than falling back to a far later supplier: a new timer and round.
ASK_AGAIN_PATCH = "ask-again-after-rejection"
# Every supplier of the item unreachable (down, timing out): the need waits and asks again rather than
# failing its order. The waits double from the first, for at most OUTAGE_PATIENCE of plant time in all.
FIRST_OUTAGE_WAIT = timedelta(hours=1)
MAX_OUTAGE_WAIT = timedelta(hours=12)
OUTAGE_PATIENCE = timedelta(days=3)


def plant_text(when: datetime) -> str:
    """A plant time as people read it in a message."""
    return f"{when:%Y-%m-%d %H:%M} UTC"


class Switch(Exception):
    """The current PO was withdrawn; place the need with one of ``alternatives``."""

    def __init__(self, alternatives: QuoteRoundResult) -> None:
        super().__init__("switching supplier")
        self.alternatives = alternatives


class SourcingState:
    """What a sourcing workflow knows, and the steps shared by its parts."""

    _inp: SourcingInput
    _need: NeedRef

    def __init__(self) -> None:
        self._asns: dict[str, list[DespatchAdvice]] = {}
        self._phase = "starting"
        self._po: PlaceOrderResult | None = None
        self._placing: tuple[str, str] | None = None  # (po id, supplier) of a PO being placed
        self._tried: list[str] = []
        self._round = 0
        self._outage_rounds = 0  # rounds asked again because every supplier was unreachable
        self._outage_waited = timedelta(0)
        self._attempt = 0
        self._received_total = 0.0
        self._received_for_order = 0.0
        self._warned: set[str] = set()
        self._told: datetime | None = None  # the latest expected delivery the order has been told of

    def _rounds_spent(self) -> int:
        """Rounds of quotes that count against MAX_QUOTE_ROUNDS (those lost to an outage do not)."""
        return self._round - self._outage_rounds

    async def _quotes(self) -> QuoteRoundResult:
        self._round += 1
        self._phase = "quoting"
        return await workflow.execute_activity_method(
            SourcingActivities.quote, QuoteRoundInput(need=self._need, n=self._round, exclude=list(self._tried)),
            start_to_close_timeout=QUOTE_TIMEOUT, retry_policy=REMOTE_RETRY,
        )

    async def _cancel(self, po: PlaceOrderResult, reason: str, surplus: bool) -> bool:
        """Cancel the PO; False when it had shipped (its ASNs are then taken in)."""
        result = await self._cancel_call(CancelInput(
            need=self._need, po_id=po.po_id, supplier=po.supplier, po_quantity=po.quantity,
            received_quantity=self._received_total, reason=reason, surplus_if_shipped=surplus))
        for asn in result.asns:
            self._add_asn(asn)
        return result.outcome in ("cancelled", "unknown")

    async def _cancel_call(self, inp: CancelInput) -> CancelResult:
        return await workflow.execute_activity_method(
            SourcingActivities.cancel_order, inp, start_to_close_timeout=CANCEL_TIMEOUT,
            schedule_to_close_timeout=CANCEL_DEADLINE, retry_policy=CANCEL_RETRY,
        )

    def _add_asn(self, asn: DespatchAdvice) -> bool:
        known = self._asns.setdefault(asn.po_id, [])
        if any(a.asn_id == asn.asn_id for a in known):
            return False
        known.append(asn)
        return True

    async def _record(self, kind: str, key: str, payload: dict[str, object]) -> None:
        await workflow.execute_local_activity_method(
            SourcingActivities.record, EventInput(need=self._need, kind=kind, key=key, payload=payload),
            start_to_close_timeout=LOCAL_TIMEOUT, retry_policy=LOCAL_RETRY,
        )

    async def _tell_order(self, expected: datetime, why: str) -> None:
        """The goods will come after the need date: tell the parent order now, so that its customer hears of
        the slip when it becomes certain, not after the goods arrive and the work is booked.

        Only a date later than any told before is news; a need without a parent (started on its own)
        tells nobody. A parent that has ended cannot hear it, and that is no failure of the need.
        """
        if expected <= self._need.need_by or (self._told is not None and expected <= self._told):
            return
        parent = workflow.info().parent
        if parent is None or not workflow.patched(TELL_ORDER_PATCH):
            return
        self._told = expected
        news = MaterialsExpected(need_id=self._need.need_id, item=self._need.item, expected_delivery=expected,
                                 why=why)
        try:
            await workflow.get_external_workflow_handle(parent.workflow_id).signal(Signals.MATERIALS_EXPECTED, news)
        except FailureError as exc:
            workflow.logger.info("order %s not told of %s expected %s: %s", parent.workflow_id, self._need.item,
                                 expected.isoformat(), exc)

    def _raise_if_cancelled(self) -> None:
        """Raise CancelledError when the workflow was asked to cancel (even if asyncio lost the request)."""
        if workflow.cancellation_reason() is not None:
            raise asyncio.CancelledError(workflow.cancellation_reason())

    def _plant_now(self) -> datetime:
        return self._inp.clock.plant_at(workflow.now())
