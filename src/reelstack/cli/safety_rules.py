"""``reelstack safety backtest RULE``: what a rule would change on the stored posts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from reelstack.cli.common import DEFAULT_DATA, DataOption, settings_for
from reelstack.core.errors import NotFound
from reelstack.runtime.platform import Platform
from reelstack.safety.rules import Rule, parse_rules
from reelstack.safety.rules import backtest as run_backtest


def backtest(
    rule_id: Annotated[str, typer.Argument(help="The id of the rule to backtest.")],
    data: DataOption = DEFAULT_DATA,
    rules_file: Annotated[
        Path | None,
        typer.Option(
            "--rules-file",
            help="Take the rule from this YAML file (e.g. an edit not yet published) "
            "instead of the rules in force.",
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Evaluate at most this many items.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Evaluate one rule, whatever its state, on every stored item and report the action
    changes it would make ("allow → remove": count, with example item ids)."""
    with Platform.open(settings_for(data)) as platform:
        rule = _rule(platform, rule_id, rules_file)
        report = run_backtest(rule, platform.moderation.cases(limit=limit))
    if json_out:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(report.to_text())


def _rule(platform: Platform, rule_id: str, rules_file: Path | None) -> Rule:
    if rules_file is not None:
        text = rules_file.read_text(encoding="utf-8")
        rule_set = parse_rules(text, platform.policies.current("content"))
        where = str(rules_file)
    else:
        rule_set = platform.rules.current()
        where = f"rules version {rule_set.version}"
    try:
        return rule_set.get(rule_id)
    except KeyError:
        known = ", ".join(r.id for r in rule_set.rules) or "none"
        raise NotFound(f"no rule {rule_id!r} in {where} (rules: {known})") from None
