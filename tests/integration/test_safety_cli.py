"""Safety from the command line: one verdict, moderating stored posts, a shadow rule that only
logs, its backtest, and the statements-of-reasons export — each a real ``reelstack`` process."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from reelstack.config import Settings
from reelstack.core import clock
from reelstack.core.records import Creator
from reelstack.runtime.platform import Platform
from reelstack.testing.factories import make_creator, make_item
from reelstack.testing.server import run_cli

SCAM = "Congratulations! You won a free iPhone, claim now at bit.ly/claim-prize-now"
FOLLOW_TRAIN = "follow for follow, like for like, let's grow together"


def test_moderate_text_prints_action_and_reasons(tmp_path: Path) -> None:
    result = run_cli("moderate", "--text", SCAM, "--json", "--data", str(tmp_path))
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["action"] == "remove"
    reason = verdict["reasons"][0]
    assert reason["policy_id"].split(".")[0] == "spam"
    assert {"detector", "score", "threshold"} <= set(reason)
    assert reason["score"] >= reason["threshold"]
    calm = json.loads(
        run_cli("moderate", "--text", "Sunday pancakes", "--data", str(tmp_path)).stdout
    )
    assert calm["action"] == "allow" and calm["reasons"] == []


def test_moderate_without_input_is_one_clear_error(tmp_path: Path) -> None:
    result = run_cli("moderate", "--data", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == "error: give --text, a file, or '-' for stdin"
    missing = run_cli("moderate", str(tmp_path / "nope.mp4"), "--data", str(tmp_path))
    assert missing.returncode == 2 and "no such file" in missing.stderr


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Three text posts: a scam, a follow train from a brand-new account, a recipe."""
    data = tmp_path / "data"
    with Platform.open(Settings(data_dir=data)) as platform:
        old = platform.store.upsert_creator(make_creator("oldtimer"))
        new = platform.store.upsert_creator(
            Creator(id="cre_new", handle="newbie", display_name="New", created_at=clock.now())
        )
        for creator, caption in ((old, SCAM), (new, FOLLOW_TRAIN), (old, "Grandma's soup recipe")):
            platform.store.insert_item(make_item(creator, kind="text", caption=caption))
    return data


def test_stored_posts_are_decided_shadow_rules_log_and_backtest_reports(data_dir: Path) -> None:
    result = run_cli("safety", "moderate", "--data", str(data_dir), "--no-progress")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["items"] == 3
    with Platform.open(Settings(data_dir=data_dir)) as platform:
        items = {i.caption: i.id for i in platform.store.list_items()}
        decisions = {c: platform.store.list_decisions(i)[-1] for c, i in items.items()}
        shadow = platform.store.find_audit(action_prefix="rule.shadow")
    assert decisions[SCAM].action == "remove" and decisions[SCAM].policy_id.startswith("spam")
    assert decisions["Grandma's soup recipe"].action == "allow"
    # The shadow rule (new account + spam ≥ 0.5 → remove) is logged, never acted on.
    assert [(r.subject_id, r.details["rule"]) for _, r in shadow] == [
        (items[FOLLOW_TRAIN], "new-account-spam")
    ]
    follow = decisions[FOLLOW_TRAIN]
    assert all(reason.get("rule") != "new-account-spam" for reason in follow.reasons["reasons"])

    report = run_cli("safety", "backtest", "new-account-spam", "--json", "--data", str(data_dir))
    assert report.returncode == 0, report.stderr
    backtest = json.loads(report.stdout)
    assert backtest["evaluated"] == 3 and backtest["hits"] == 1
    [transition] = backtest["transitions"]
    assert (transition["from"], transition["to"]) == (follow.action, "remove")
    assert transition["examples"] == [items[FOLLOW_TRAIN]]

    export = run_cli("safety", "statements", "--format", "csv", "--data", str(data_dir))
    rows = list(csv.DictReader(io.StringIO(export.stdout)))
    assert items[SCAM] in {r["puid"] for r in rows}
    assert all(r["puid"] != items["Grandma's soup recipe"] for r in rows)
