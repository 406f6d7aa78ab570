"""The adapter conformance suite: what our workflows rely on, checked against a live endpoint.

``c2m adapters conformance --kind line|mes|suppliers --adapter NAME --config FILE`` builds the named
adapter from a conformance file (:mod:`.config`), runs the rules of its kind (:mod:`.mes`,
:mod:`.suppliers`, :mod:`.lines`) in order through :mod:`.runner`, and reports each as a
:class:`~.outcome.RuleOutcome`: the rule, what was expected, what was found, and every exchange.
"""

from orchestrator.integration.conformance.outcome import Evidence, Exchange, Rule, RuleBroken, RuleOutcome, Verdict

__all__ = ["Evidence", "Exchange", "Rule", "RuleBroken", "RuleOutcome", "Verdict"]
