"""De-obfuscation before text detectors: leetspeak, homoglyphs, zero-width, spacing."""

from __future__ import annotations

import pytest

from reelstack.safety.detectors.normalize import normalize_text


@pytest.mark.parametrize(
    ("obfuscated", "plain"),
    [
        ("FR33 G1FT", "free gift"),
        ("fr\u200bee mon\u200dey", "free money"),
        ("іdіоt", "idiot"),  # Cyrillic і and о
        ("Ｃｒｙｐｔｏ giveaway", "crypto giveaway"),
        ("s.c.a.m alert", "scam alert"),
        ("f r e e iphone", "free iphone"),
        ("freeeeee", "free"),
        ("$ell n0w", "sell now"),
    ],
)
def test_obfuscation_is_undone(obfuscated: str, plain: str) -> None:
    assert normalize_text(obfuscated) == plain


@pytest.mark.parametrize(
    "text",
    [
        "Котик спит на солнце",
        "小猫咪太可爱了",
        "แมวน่ารักมาก",
        "Mèo con dễ thương quá",
        "2024 is 100% real",
    ],
)
def test_real_text_in_other_scripts_is_left_alone(text: str) -> None:
    normalized = normalize_text(text)
    assert normalized == text.lower() or normalized == text


def test_empty_and_huge_inputs() -> None:
    assert normalize_text("") == ""
    assert len(normalize_text("spam " * 200_000)) <= 100_000  # 1 MB in, bounded work
