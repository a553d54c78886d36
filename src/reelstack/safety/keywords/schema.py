"""The keyword-bank file: banks of terms and regexes, each naming a policy and a confidence.

A bank is one theme (crypto giveaways, drug sales, engagement bait) with the confidence a hit
gives for its policy; the policy's bands turn that confidence into an action. Validation
rejects unknown fields, duplicate bank ids, empty banks and anything over the size limits
here, naming the bank; regexes are checked against the matching engine in ``matcher.py``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

MAX_BANKS = 500
MAX_BANK_ENTRIES = 2_000  # terms + regexes in one bank
MAX_TERM_CHARS = 200
MAX_REGEX_CHARS = 500
MAX_BANK_CHARS = 100_000  # all terms and regexes of one bank together

_ID = r"^[a-z0-9][a-z0-9_.-]{0,63}$"


class Bank(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID)
    policy_id: str = Field(pattern=_ID)
    description: str = Field("", max_length=2000)
    score: float = Field(ge=0, le=1, description="Confidence that a hit violates the policy.")
    languages: list[str] | None = Field(
        None, description="Only posts in these languages (ISO 639-1); None: every post."
    )
    terms: list[str] = Field(default_factory=list)
    regexes: list[str] = Field(default_factory=list)

    @field_validator("terms")
    @classmethod
    def _terms(cls, terms: list[str]) -> list[str]:
        cleaned = [" ".join(term.split()) for term in terms]
        for term in cleaned:
            if not term:
                raise ValueError("terms must not be empty")
            if len(term) > MAX_TERM_CHARS:
                raise ValueError(f"term {term[:40]!r}… is longer than {MAX_TERM_CHARS} characters")
        return cleaned

    @field_validator("regexes")
    @classmethod
    def _regexes(cls, regexes: list[str]) -> list[str]:
        for pattern in regexes:
            if not pattern:
                raise ValueError("regexes must not be empty")
            if len(pattern) > MAX_REGEX_CHARS:
                raise ValueError(
                    f"regex {pattern[:40]!r}… is longer than {MAX_REGEX_CHARS} characters"
                )
        return regexes

    @field_validator("languages")
    @classmethod
    def _languages(cls, languages: list[str] | None) -> list[str] | None:
        return [lang.strip().lower() for lang in languages] if languages is not None else None

    @model_validator(mode="after")
    def _size(self) -> Bank:
        entries = len(self.terms) + len(self.regexes)
        if entries == 0:
            raise ValueError(f"bank {self.id!r} has no terms and no regexes")
        if entries > MAX_BANK_ENTRIES:
            raise ValueError(
                f"bank {self.id!r} has {entries} terms and regexes; the limit is "
                f"{MAX_BANK_ENTRIES} (split it into several banks)"
            )
        chars = sum(map(len, self.terms)) + sum(map(len, self.regexes))
        if chars > MAX_BANK_CHARS:
            raise ValueError(
                f"bank {self.id!r} holds {chars} characters of terms and regexes; "
                f"the limit is {MAX_BANK_CHARS}"
            )
        return self

    def applies_to(self, language: str | None) -> bool:
        """Whether the bank scores a post in ``language`` (unknown language: always)."""
        if self.languages is None or not language:
            return True
        return language.split("-")[0].lower() in self.languages


class KeywordSet(BaseModel):
    """All keyword banks at one version."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(0, ge=0, description="Assigned by the store on save.")
    banks: list[Bank] = Field(max_length=MAX_BANKS)

    @model_validator(mode="after")
    def _unique_and_known(self, info: ValidationInfo) -> KeywordSet:
        seen: set[str] = set()
        for bank in self.banks:
            if bank.id in seen:
                raise ValueError(f"bank id {bank.id!r} appears twice")
            seen.add(bank.id)
        policies = (info.context or {}).get("policies")
        if policies is not None:
            for bank in self.banks:
                try:
                    policies.get(bank.policy_id)
                except KeyError:
                    raise ValueError(
                        f"bank {bank.id!r} names policy {bank.policy_id!r}, which the content "
                        f"policy set (version {policies.version}) does not have"
                    ) from None
        return self

    def get(self, bank_id: str) -> Bank:
        for bank in self.banks:
            if bank.id == bank_id:
                return bank
        raise KeyError(bank_id)
