"""Declarative moderation rules: versioned YAML, safe conditions over facts, backtests."""

from reelstack.safety.rules.backtest import BacktestReport, Transition, backtest
from reelstack.safety.rules.facts import build_facts
from reelstack.safety.rules.schema import Rule, RuleHit, RuleSet
from reelstack.safety.rules.store import RuleStore, parse_rules

__all__ = [
    "BacktestReport",
    "Rule",
    "RuleHit",
    "RuleSet",
    "RuleStore",
    "Transition",
    "backtest",
    "build_facts",
    "parse_rules",
]
