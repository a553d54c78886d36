"""Which review queues a reviewer may work.

A reviewer key can be limited to some queues, each scope ``QUEUE`` (every language of it) or
``QUEUE:LANG`` (one language), e.g. ``violence,hate:en``: the queues of a team, or the
languages its reviewers read. A key without scopes — every admin key, and reviewer keys made
without ``--queues`` — works every queue. A limited reviewer is only served jobs of their
queues (``next``, with their languages when they name none), and viewing, deciding or
skipping a job outside them is ``Forbidden`` (403) with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from reelstack.core.errors import Forbidden, InvalidInput
from reelstack.core.records import ReviewJob
from reelstack.safety.policies import PolicyStore
from reelstack.safety.review.jobs import ADS_QUEUE, APPEALS_QUEUE, QUALITY_QUEUE, REPORTS_QUEUE

SCOPE = re.compile(r"^[a-z][a-z0-9_]*(?::[a-z]{2,3}(?:-[a-z0-9]{2,8})*)?$")
SPECIAL_QUEUES = (REPORTS_QUEUE, QUALITY_QUEUE, APPEALS_QUEUE, ADS_QUEUE)


def known_queues(policies: PolicyStore) -> list[str]:
    """Every queue a job can land in: the content policy families and the special queues."""
    return [p.id for p in policies.current("content").policies] + list(SPECIAL_QUEUES)


def _where(queue: str, language: str | None) -> str:
    return f"{queue}:{language}" if language else queue


@dataclass(frozen=True, slots=True)
class QueueAccess:
    scopes: tuple[str, ...] = ()

    @classmethod
    def parse(cls, spec: str | Iterable[str]) -> QueueAccess:
        """Scopes from ``"violence,hate:en"`` or a list of them (``InvalidInput`` if malformed)."""
        raw = spec.split(",") if isinstance(spec, str) else list(spec)
        scopes = []
        for text in raw:
            scope = text.strip().lower()
            if not scope:
                continue
            if not SCOPE.match(scope):
                raise InvalidInput(
                    f"bad review queue {text.strip()!r}: write QUEUE or QUEUE:LANGUAGE, "
                    "e.g. violence or hate:en"
                )
            scopes.append(scope)
        return cls(tuple(dict.fromkeys(scopes)))

    @property
    def limited(self) -> bool:
        return bool(self.scopes)

    def check_known(self, known: Iterable[str]) -> None:
        names = set(known)
        unknown = sorted({s.partition(":")[0] for s in self.scopes} - names)
        if unknown:
            raise InvalidInput(
                f"unknown review queue {', '.join(unknown)}; known: {', '.join(sorted(names))}"
            )

    def languages(self, queue: str) -> frozenset[str] | None:
        """None: every language of ``queue``; else the languages allowed (empty: none)."""
        if not self.scopes:
            return None
        found = set()
        for scope in self.scopes:
            name, _, language = scope.partition(":")
            if name == queue and not language:
                return None
            if name == queue:
                found.add(language)
        return frozenset(found)

    def allows(self, queue: str, language: str | None) -> bool:
        allowed = self.languages(queue)
        return allowed is None or (language or "").lower() in allowed

    def _refuse(self, what: str) -> Forbidden:
        return Forbidden(f"{what} is outside your review queues ({', '.join(self.scopes)})")

    def check_job(self, job: ReviewJob) -> None:
        if not self.allows(job.queue, job.language):
            raise self._refuse(f"review job {job.id} (queue {_where(job.queue, job.language)})")

    def lease_filter(self, queue: str, language: str | None) -> str | list[str] | None:
        """The language filter to lease from ``queue`` with: the one asked for, or every
        language the reviewer may work; ``Forbidden`` for a queue or language outside."""
        allowed = self.languages(queue)
        if allowed is None:
            return language
        if not allowed:
            raise self._refuse(f"queue {queue!r}")
        if language is None:
            return sorted(allowed)
        if language.lower() not in allowed:
            raise self._refuse(f"queue {_where(queue, language)}")
        return language


EVERY_QUEUE = QueueAccess()
