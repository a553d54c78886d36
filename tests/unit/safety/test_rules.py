"""Rules: the condition language, the fact namespace, states, versioning and backtests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reelstack.core.errors import InvalidInput
from reelstack.core.records import Ad, Creator, Decision, Item
from reelstack.runtime.platform import Platform
from reelstack.safety.detectors.base import Score
from reelstack.safety.policies import PolicyStore
from reelstack.safety.rules import RuleStore, backtest, build_facts, parse_rules
from reelstack.safety.rules.conditions import MAX_DEPTH, parse_condition
from reelstack.safety.rules.facts import fact_type

DAY = 86_400.0
NOW = 1_800_000_000.0

RULES = """
rules:
  - id: young-spammer
    state: live
    policy_id: spam
    action: remove
    when:
      all:
        - {fact: creator.account_age_days, op: "<", value: 7}
        - {fact: score.spam, op: ">=", value: 0.5}
  - id: shadow-harassment
    state: shadow
    policy_id: harassment
    action: review
    when: {fact: score.harassment, op: ">=", value: 0.6}
  - id: draft-everything
    state: draft
    policy_id: spam
    action: remove
    when: {fact: score.spam, op: exists}
"""


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory):
    return PolicyStore(tmp_path_factory.mktemp("policies")).current("content")


def _leaf(fact: str, op: str, value: object = None) -> dict:
    data = {"fact": fact, "op": op}
    return data if value is None else {**data, "value": value}


def _cond(data: dict):
    return parse_condition(data, fact_type)


@pytest.mark.parametrize(
    ("condition", "facts", "expected"),
    [
        (_leaf("score.spam", ">=", 0.5), {"score.spam": 0.5}, True),
        (_leaf("score.spam", ">", 0.5), {"score.spam": 0.5}, False),
        (_leaf("score.spam", "<", 0.5), {"score.spam": 0.2}, True),
        (_leaf("score.spam", "<=", 0.5), {"score.spam": 0.7}, False),
        (_leaf("item.kind", "==", "video"), {"item.kind": "video"}, True),
        (_leaf("item.kind", "!=", "video"), {"item.kind": "image"}, True),
        (_leaf("item.language", "in", ["th", "vi"]), {"item.language": "vi"}, True),
        (_leaf("item.language", "in", ["th", "vi"]), {"item.language": "en"}, False),
        (_leaf("item.hashtags", "contains", "#Crypto"), {"item.hashtags": ["crypto"]}, True),
        (_leaf("item.hashtags", "contains", "cats"), {"item.hashtags": ["crypto"]}, False),
        (_leaf("item.language", "contains", "z"), {"item.language": "zh"}, True),
        (_leaf("item.is_ad", "==", True), {"item.is_ad": True}, True),
        (_leaf("item.language", "exists"), {"item.language": "en"}, True),
        (_leaf("item.language", "exists", False), {}, True),
        # an absent fact makes every comparison false, also != and <
        (_leaf("score.spam", "<", 0.5), {}, False),
        (_leaf("item.kind", "!=", "video"), {}, False),
        ({"not": _leaf("score.spam", ">=", 0.5)}, {}, True),
        (
            {"all": [_leaf("score.spam", ">=", 0.5), _leaf("item.views", ">", 100)]},
            {"score.spam": 0.9, "item.views": 50},
            False,
        ),
        (
            {"any": [_leaf("score.spam", ">=", 0.5), _leaf("item.views", ">", 100)]},
            {"score.spam": 0.1, "item.views": 500},
            True,
        ),
        # a caller's fact of the wrong type is false, never an exception
        (_leaf("score.spam", ">", 0.5), {"score.spam": "high"}, False),
    ],
)
def test_conditions(condition: dict, facts: dict, expected: bool) -> None:
    assert _cond(condition).test(facts) is expected


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (_leaf("creator.shoe_size", ">", 1), r"when\.fact: unknown fact 'creator.shoe_size'"),
        (_leaf("score.spam", "~=", 1), r"when\.op: unknown op '~='"),
        (_leaf("score.spam", ">", "0.5"), r"when\.value: '>' needs a number"),
        (_leaf("item.hashtags", ">", 1), r"'item.hashtags' is a list"),
        (_leaf("item.hashtags", "in", ["a"]), "use contains"),
        (_leaf("item.kind", "in", "video"), "in needs a list"),
        (_leaf("score.spam", "=="), "needs a value"),
        (_leaf("item.kind", "==", 3), "cannot equal"),
        (_leaf("item.language", "exists", "yes"), "exists takes true or false"),
        ({"all": []}, r"when\.all: expected a non-empty list"),
        ({"xor": [_leaf("score.spam", "exists")]}, "unknown combinator 'xor'"),
        ({"all": [_leaf("score.spam", "exists")], "any": []}, "exactly one of"),
        ({**_leaf("score.spam", "exists"), "colour": 1}, "unknown keys"),
        ("score.spam > 0.5", "expected a mapping"),
        (
            {"all": [_leaf("score.spam", "exists"), {"not": _leaf("detector.x", ">", 1)}]},
            r"when\.all\[1\]\.not\.fact: fact 'detector.x' must be",
        ),
    ],
)
def test_bad_conditions_name_the_place(condition: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _cond(condition)  # type: ignore[arg-type]


def test_trees_are_bounded() -> None:
    deep: dict = _leaf("score.spam", "exists")
    for _ in range(MAX_DEPTH):
        deep = {"not": deep}
    with pytest.raises(ValueError, match="at most 12 levels"):
        _cond(deep)
    wide = {"any": [_leaf("score.spam", ">", i / 1000) for i in range(300)]}
    with pytest.raises(ValueError, match="at most 200 parts"):
        _cond(wide)
    loop: dict = {"not": None}
    loop["not"] = loop
    with pytest.raises(ValueError, match="contains itself"):
        _cond(loop)


def test_fact_namespace(content) -> None:
    assert fact_type("score.spam.scam", content) == "number"
    assert fact_type("detector.text.spam.spam.scam", content) == "number"
    assert fact_type("item.views") == "number" and fact_type("item.searches") == "number"
    assert fact_type("item.not_interested") == "number"
    assert fact_type("item.hashtags") == "list"
    with pytest.raises(ValueError, match="unknown"):
        fact_type("score.spma", content)
    with pytest.raises(ValueError, match="no known policy"):
        fact_type("detector.keywords.spma", content)
    assert fact_type("score.anything") == "number"  # no policy set: the shape is enough


def test_build_facts(content) -> None:
    item = Item(
        id="it_1",
        kind="video",
        content_hash="h",
        creator_id="cr_1",
        hashtags=["#Crypto", "win"],
        language="en",
        created_at=NOW - 2 * DAY,
        ad=Ad(advertiser="x"),
    )
    creator = Creator(id="cr_1", handle="c", followers=42, created_at=NOW - 3 * DAY)

    def decision(item_id: str, action: str, at: float) -> Decision:
        return Decision(id=f"d{at}", item_id=item_id, action=action, created_at=at)

    decisions = [
        decision("it_a", "remove", NOW - 10),
        decision("it_b", "disable", NOW - 9),
        decision("it_c", "remove", NOW - 8),
        decision("it_c", "allow", NOW - 7),  # reversed on appeal: no longer a strike
        decision("it_d", "demote", NOW - 6),
        decision("it_1", "remove", NOW - 5),  # the post itself is not a prior strike
        decision("it_e", "remove", NOW + 5),  # after now: not prior
    ]
    scores = [
        Score("spam.scam", "keywords", 0.92, "v"),
        Score("spam.scam", "text.spam", 0.4, "v"),
        Score("spam.engagement", "keywords", 0.65, "v"),
        Score("harassment.threat", "text.toxic", 0.3, "v"),
    ]
    counts = {"view": 1500, "like": 10, "report": 3}
    facts = build_facts(scores, item, creator, counts, decisions, NOW, policies=content)
    assert facts["score.spam.scam"] == 0.92
    assert facts["score.spam"] == 0.92  # ancestor: max of its subtree
    assert facts["score.spam.engagement"] == 0.65
    assert facts["score.harassment"] == 0.3
    assert facts["detector.text.spam.spam.scam"] == 0.4
    assert facts["detector.keywords.spam.scam"] == 0.92
    assert facts["item.kind"] == "video" and facts["item.language"] == "en"
    assert facts["item.age_days"] == pytest.approx(2.0)
    assert facts["item.hashtags"] == ["crypto", "win"] and facts["item.is_ad"] is True
    assert (facts["item.views"], facts["item.likes"], facts["item.reports"]) == (1500, 10, 3)
    assert facts["item.shares"] == 0
    assert facts["creator.account_age_days"] == pytest.approx(3.0)
    assert facts["creator.followers"] == 42
    assert facts["creator.prior_strikes"] == 2
    # without a policy tree, dotted ids give the ancestors
    dotted = build_facts(scores, None, None, None, [], NOW)
    assert dotted["score.spam"] == 0.92 and dotted["score.harassment"] == 0.3
    assert "item.kind" not in dotted and "creator.prior_strikes" not in dotted
    for name in facts:
        fact_type(name, content)  # everything built is inside the namespace


def test_states_draft_shadow_live(content) -> None:
    rules = parse_rules(RULES, content)
    facts = {"creator.account_age_days": 2.0, "score.spam": 0.8, "score.harassment": 0.7}
    hits = rules.evaluate(facts)
    assert [(h.rule_id, h.state, h.action, h.shadow) for h in hits] == [
        ("young-spammer", "live", "remove", False),
        ("shadow-harassment", "shadow", "review", True),
    ]  # the draft rule would match too, but drafts never run in production
    assert hits[1].to_dict()["shadow"] is True
    assert rules.evaluate({"score.spam": 0.8}) == []


def test_default_rules_validate_against_the_default_policies(tmp_path: Path, content) -> None:
    store = RuleStore(tmp_path)
    rules = store.current()
    assert rules.version == 1 and store.versions() == [1]
    states = {rule.id: rule.state for rule in rules.rules}
    assert states["new-account-spam"] == "shadow"
    assert states["repeat-harasser-review"] == "live"
    parse_rules(store.files.read(1), content)
    strikes = {"creator.prior_strikes": 3, "score.harassment": 0.65}
    assert [h.rule_id for h in rules.evaluate(strikes)] == ["repeat-harasser-review"]
    new = {"creator.account_age_days": 1, "score.spam": 0.55}
    assert [(h.rule_id, h.shadow) for h in rules.evaluate(new)] == [("new-account-spam", True)]


def test_saving_keeps_history_and_canonical_conditions(tmp_path: Path, content) -> None:
    store = RuleStore(tmp_path)
    store.current()
    saved = store.save(RULES, content)
    assert saved.version == 2 and store.current().version == 2
    assert store.current() is store.current()  # parsed once per version
    assert "young-spammer" not in {r.id for r in store.get(1).rules}
    aliased = RULES.replace(
        "when: {fact: score.harassment",
        "when: &h {fact: score.harassment",
    ).replace("when: {fact: score.spam, op: exists}", "when: {not: *h}")
    assert store.save(aliased, content).get("draft-everything").when == {
        "not": {"fact": "score.harassment", "op": ">=", "value": 0.6}
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: [", "not valid YAML"),
        ("- just a list", "must be a mapping"),
        (RULES.replace("creator.account_age_days", "creator.shoe_size"), "unknown fact"),
        (RULES.replace("score.harassment", "score.harasment"), "harasment"),
        (RULES.replace("action: review", "action: obliterate"), "rules.1.action"),
        (RULES.replace("state: draft", "state: maybe"), "rules.2.state"),
        (RULES.replace("policy_id: harassment", "policy_id: gossip"), "policy 'gossip'"),
        (RULES.replace("id: draft-everything", "id: young-spammer"), "appears twice"),
        (RULES.replace('op: "<"', 'op: "=~"'), "unknown op"),
        (RULES.replace("when: {fact: score.spam, op: exists}", "when: &x {not: *x}"), "itself"),
        (
            RULES.replace(
                "when: {fact: score.spam, op: exists}",
                "when: " + "{not: " * 13 + "{fact: score.spam, op: exists}" + "}" * 13,
            ),
            "draft-everything.*at most 12 levels",
        ),
        (RULES.replace("    state: live\n", "    state: live\n    eval: os.system\n"), "unknown"),
    ],
)
def test_bad_rule_files_are_rejected_and_the_current_version_stays(
    tmp_path: Path, content, text: str, message: str
) -> None:
    store = RuleStore(tmp_path)
    store.current()
    with pytest.raises(InvalidInput, match=message):
        store.save(text, content)
    assert store.versions() == [1]


def test_backtest_counts_transitions_with_examples(content) -> None:
    rule = parse_rules(RULES, content).get("young-spammer")
    young_spam = {"creator.account_age_days": 1.0, "score.spam": 0.9}
    cases = [
        *[(f"it_{i}", young_spam, "allow") for i in range(7)],
        ("it_d1", young_spam, "demote"),
        ("it_d2", young_spam, "demote"),
        ("it_r", young_spam, "remove"),  # already removed: unchanged
        ("it_n", young_spam, None),  # never moderated counts as allow
        ("it_old", {"creator.account_age_days": 30.0, "score.spam": 0.9}, "allow"),
        ("it_ok", {"creator.account_age_days": 1.0, "score.spam": 0.1}, "allow"),
    ]
    report = backtest(rule, cases, examples=3)
    assert (report.evaluated, report.hits, report.changed) == (13, 11, 10)
    summary = [(t.current, t.new, t.count) for t in report.transitions]
    assert summary == [("allow", "remove", 8), ("demote", "remove", 2), ("remove", "remove", 1)]
    assert report.transitions[0].examples == ["it_0", "it_1", "it_2"]
    data = report.to_dict()
    unchanged = {"from": "remove", "to": "remove", "count": 1, "changed": False}
    assert data["transitions"][2] == {**unchanged, "examples": ["it_r"]}
    assert json.loads(json.dumps(data)) == data
    text = report.to_text()
    assert "evaluated 13 items, 11 hit (84.6%), 10 would change" in text
    assert "allow → remove" in text and "(unchanged)" in text and "it_d1" in text


def test_backtest_keeps_the_stricter_current_action(content) -> None:
    rule = parse_rules(RULES, content).get("shadow-harassment")  # action: review
    facts = {"score.harassment": 0.9}
    report = backtest(rule, [("a", facts, "remove"), ("b", facts, "label"), ("c", {}, "allow")])
    assert [(t.current, t.new, t.count) for t in report.transitions] == [
        ("label", "review", 1),
        ("remove", "remove", 1),
    ]
    assert backtest(rule, []).to_text().startswith("rule shadow-harassment (shadow)")


class _FakeModeration:
    def __init__(self, cases: list) -> None:
        self._cases = cases
        self.limits: list[int | None] = []

    def cases(self, limit: int | None = None):
        self.limits.append(limit)
        yield from self._cases[:limit]


def test_backtest_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from reelstack.cli.main import app

    fake = _FakeModeration(
        [
            ("it_1", {"creator.account_age_days": 1, "score.spam": 0.7}, "allow"),
            ("it_2", {"creator.account_age_days": 100, "score.spam": 0.7}, "allow"),
        ]
    )
    monkeypatch.setattr(Platform, "moderation", property(lambda self: fake), raising=False)
    runner = CliRunner()
    data = ["--data", str(tmp_path / "data")]
    done = runner.invoke(app, ["safety", "backtest", "new-account-spam", *data])
    assert done.exit_code == 0, done.output
    assert "allow → remove" in done.output and "it_1" in done.output
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(RULES, encoding="utf-8")
    args = ["safety", "backtest", "draft-everything", *data, "--rules-file", str(rules_file)]
    done = runner.invoke(app, [*args, "--json", "--limit", "1"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["evaluated"] == 1 and fake.limits[-1] == 1
    missing = runner.invoke(app, ["safety", "backtest", "nope", *data])
    assert missing.exit_code != 0 and "no rule 'nope'" in str(missing.exception)
