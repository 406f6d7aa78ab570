"""The supplier choice score: price, promised date against need date, reliability history."""

from datetime import UTC, datetime, timedelta

import pytest

from orchestrator.inventory import ChoiceWeights, HistoryKind, Offer, SupplierHistoryRecord, compute_scorecard
from orchestrator.inventory.choice import rank_offers, reliability_score, worth_placing_after_rejection
from orchestrator.inventory.scorecard import Scorecard

NEED = datetime(2030, 1, 20, tzinfo=UTC)


def offer(supplier: str, price: float, days_before_need: float, currency: str = "EUR") -> Offer:
    return Offer(supplier, "widget", 10, price, currency, NEED - timedelta(days=days_before_need))


def card(supplier: str, rejected: int = 0, accepted: int = 0, late_days: list[float] | None = None) -> Scorecard:
    t = NEED - timedelta(days=30)
    records = [SupplierHistoryRecord(supplier, HistoryKind.REJECTED, t) for _ in range(rejected)]
    records += [SupplierHistoryRecord(supplier, HistoryKind.ACCEPTED, t) for _ in range(accepted)]
    for late in late_days or []:
        records.append(SupplierHistoryRecord(supplier, HistoryKind.DELIVERED, t, promised_delivery=t,
                                             actual_delivery=t + timedelta(days=late)))
    return compute_scorecard(supplier, records)


def test_cheaper_wins_when_dates_and_history_are_equal() -> None:
    ranked = rank_offers([offer("dear", 12, 3), offer("cheap", 10, 3)], NEED)
    assert [r.offer.supplier for r in ranked] == ["cheap", "dear"]
    assert ranked[0].parts["price"] == 1.0 and ranked[1].parts["price"] == pytest.approx(10 / 12, abs=1e-4)


def test_an_on_time_offer_beats_a_cheaper_late_one() -> None:
    ranked = rank_offers([offer("late-cheap", 5, -2), offer("on-time", 20, 1)], NEED)
    assert [r.offer.supplier for r in ranked] == ["on-time", "late-cheap"]
    assert ranked[0].promised_on_time and not ranked[1].promised_on_time


def test_among_late_offers_the_less_late_scores_better() -> None:
    ranked = rank_offers([offer("very-late", 10, -10), offer("bit-late", 10, -1)], NEED)
    assert ranked[0].offer.supplier == "bit-late"


def test_a_supplier_that_rejects_everything_is_ranked_below_a_dearer_reliable_one() -> None:
    cards = {"rejecter": card("rejecter", rejected=10), "steady": card("steady", accepted=10)}
    ranked = rank_offers([offer("rejecter", 10, 3), offer("steady", 11, 3)], NEED, cards)
    assert [r.offer.supplier for r in ranked] == ["steady", "rejecter"]
    assert ranked[1].parts["reliability"] < 0.3


def test_one_rejection_already_costs_a_cheaper_supplier_the_first_place() -> None:
    cards = {"rejecter": card("rejecter", rejected=1)}
    ranked = rank_offers([offer("rejecter", 8, 3), offer("newcomer", 10, 3)], NEED, cards)
    assert ranked[0].offer.supplier == "newcomer"
    ignoring_history = ChoiceWeights(reliability=0)
    assert rank_offers([offer("rejecter", 8, 3), offer("newcomer", 10, 3)], NEED, cards,
                       ignoring_history)[0].offer.supplier == "rejecter"


def test_a_history_of_lateness_moves_the_expected_delivery_past_the_need_date() -> None:
    cards = {"habitually-late": card("habitually-late", late_days=[3, 3, 3, 3, 3, 3])}
    ranked = rank_offers([offer("habitually-late", 8, 1), offer("punctual", 10, 1)], NEED, cards)
    late = next(r for r in ranked if r.offer.supplier == "habitually-late")
    assert late.promised_on_time and not late.expected_on_time
    assert late.expected_delivery == late.offer.promised_delivery + timedelta(days=3 * 6 / 9)
    assert ranked[0].offer.supplier == "punctual"


def test_a_newcomer_gets_the_prior_not_zero_or_full_trust() -> None:
    assert 0.8 < reliability_score(Scorecard.empty("new")) < 0.9


def test_ranking_is_deterministic_for_equal_offers() -> None:
    offers = [offer("b", 10, 3), offer("a", 10, 3), offer("c", 10, 3)]
    assert [r.offer.supplier for r in rank_offers(offers, NEED)] == ["a", "b", "c"]
    assert [r.offer.supplier for r in rank_offers(list(reversed(offers)), NEED)] == ["a", "b", "c"]


def test_weights_change_the_choice() -> None:
    offers = [offer("cheap-tight", 10, 0), offer("dear-slack", 13, 5)]
    assert rank_offers(offers, NEED, weights=ChoiceWeights(price=1, date=0, reliability=0))[0].offer.supplier == (
        "cheap-tight")
    assert rank_offers(offers, NEED, weights=ChoiceWeights(price=0, date=1, reliability=0))[0].offer.supplier == (
        "dear-slack")


def test_mixed_currencies_and_bad_prices_are_refused() -> None:
    with pytest.raises(ValueError, match="several currencies"):
        rank_offers([offer("a", 10, 1), offer("b", 10, 1, "USD")], NEED)
    with pytest.raises(ValueError, match="unit price must be > 0"):
        rank_offers([offer("a", 0, 1)], NEED)
    with pytest.raises(ValueError, match="weights"):
        ChoiceWeights(price=0, date=0)


def test_no_offers_rank_to_nothing() -> None:
    assert rank_offers([], NEED) == []


def test_when_all_are_late_a_cheap_offer_weeks_later_loses_to_a_dear_one_days_late() -> None:
    # Sea freight at half the price, 50 days late, against a fast quote 5 days late: the order waits.
    ranked = rank_offers([offer("sea", 5, -50), offer("air", 10, -5)], NEED)
    assert [r.offer.supplier for r in ranked] == ["air", "sea"]


def test_late_offers_within_the_tolerance_compete_on_score() -> None:
    # One day apart, within the default two days: the cheaper one wins.
    ranked = rank_offers([offer("dear", 12, -5), offer("cheap", 8, -6)], NEED)
    assert [r.offer.supplier for r in ranked] == ["cheap", "dear"]
    wide = ChoiceWeights(late_tolerance_days=0.5)
    assert [r.offer.supplier for r in rank_offers([offer("dear", 12, -5), offer("cheap", 8, -6)], NEED,
                                                   weights=wide)] == ["dear", "cheap"]
    with pytest.raises(ValueError, match="late_tolerance_days"):
        ChoiceWeights(late_tolerance_days=0)


def test_after_a_rejection_a_fallback_weeks_later_is_not_worth_placing() -> None:
    express, sea = rank_offers([offer("express", 20, 1), offer("sea", 5, -40)], NEED)
    weights = ChoiceWeights()
    assert not worth_placing_after_rejection(express, sea, weights)  # ask again tomorrow instead


def test_after_a_rejection_an_on_time_or_about_as_late_fallback_is_placed() -> None:
    first, second = rank_offers([offer("a", 10, 3), offer("b", 12, 1)], NEED)
    assert worth_placing_after_rejection(first, second, ChoiceWeights())
    late_a, late_b = rank_offers([offer("a", 10, -3), offer("b", 9, -5)], NEED)
    weights = ChoiceWeights()
    assert worth_placing_after_rejection(late_a, late_b, weights)  # 2 days later: within a day's wait + 2 days
    assert not worth_placing_after_rejection(late_a, late_b, ChoiceWeights(ask_again_after_hours=0,
                                                                           late_tolerance_days=1))
