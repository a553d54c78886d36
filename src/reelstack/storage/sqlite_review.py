"""Review jobs in the SQLite backend (a mixin of ``SQLiteStore``, which owns connections).

Every state change runs in one ``BEGIN IMMEDIATE`` transaction, so a lease goes to exactly one
reviewer, and a decision or a skip is accepted only from the reviewer holding an unexpired lease.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

from reelstack.core.errors import Conflict, NotFound
from reelstack.core.records import ReviewJob
from reelstack.storage import sqlite_rows as rows

# The job to lease: by priority, except that an overdue job (past ``due_at``) is raised to
# the top priority of the jobs still within their SLA whose severity is the same or lower,
# and wins ties with them — so it is served before all of those, never before a more severe
# job that outranks it (see ``safety/review/priority.py``).
_NEXT_JOB = """
WITH eligible AS (
    SELECT id, priority, severity, created_at, (due_at IS NOT NULL AND due_at < ?) AS overdue
    FROM review_jobs WHERE {where}
), within_sla AS (
    SELECT severity, MAX(priority) AS top FROM eligible WHERE NOT overdue GROUP BY severity
)
SELECT id FROM eligible AS e
ORDER BY CASE WHEN e.overdue THEN MAX(e.priority, COALESCE(
             (SELECT MAX(top) FROM within_sla AS w WHERE w.severity <= e.severity), 0))
         ELSE e.priority END DESC,
         e.overdue DESC, e.severity DESC, e.priority DESC, e.created_at
LIMIT 1
"""


class SQLiteReviewJobs:
    """``ReviewJobStore`` over the connection helpers of ``SQLiteStore``."""

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def _one(self, sql: str, args: tuple = ()) -> sqlite3.Row | None:
        raise NotImplementedError

    def _all_rows(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        raise NotImplementedError

    def add_review_job(self, job: ReviewJob) -> None:
        with self._tx() as conn:
            rows.insert(conn, "INSERT", "review_jobs", job)

    def open_review_job(self, job: ReviewJob) -> tuple[ReviewJob, bool]:
        with self._tx() as conn:
            row = conn.execute(
                "SELECT * FROM review_jobs WHERE item_id = ? AND queue = ? AND state != 'decided'"
                " ORDER BY created_at LIMIT 1",
                (job.item_id, job.queue),
            ).fetchone()
            if row is None:
                rows.insert(conn, "INSERT", "review_jobs", job)
                return job, True
            held = rows.from_row(ReviewJob, row)
            held.priority = max(held.priority, job.priority)
            held.severity = max(held.severity, job.severity)
            dues = [d for d in (held.due_at, job.due_at) if d is not None]
            held.due_at = min(dues) if dues else None
            held.details = {**held.details, **job.details}
            conn.execute(
                "UPDATE review_jobs SET priority = ?, severity = ?, due_at = ?, details = ?"
                " WHERE id = ?",
                (held.priority, held.severity, held.due_at,
                 json.dumps(held.details, ensure_ascii=False), held.id),
            )  # fmt: skip
        return held, False

    def get_review_job(self, job_id: str) -> ReviewJob:
        row = self._one("SELECT * FROM review_jobs WHERE id = ?", (job_id,))
        if row is None:
            raise NotFound(f"no review job {job_id!r}")
        return rows.from_row(ReviewJob, row)

    def lease_next_job(
        self,
        queue: str,
        owner: str,
        lease_seconds: float,
        now: float,
        language: str | Sequence[str] | None = None,
    ) -> ReviewJob | None:
        where = ("queue = ? AND (state = 'open' OR (state = 'leased' AND lease_expires_at < ?))"
                 " AND NOT EXISTS (SELECT 1 FROM json_each(excluded) WHERE value = ?)")  # fmt: skip
        args: list[Any] = [queue, now, owner]
        if language is not None:
            languages = [language] if isinstance(language, str) else list(language)
            where += f" AND language IN ({', '.join('?' * len(languages))})"
            args += languages
        with self._tx() as conn:
            row = conn.execute(_NEXT_JOB.format(where=where), [now, *args]).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE review_jobs SET state = 'leased', lease_owner = ?, lease_expires_at = ?"
                " WHERE id = ?",
                (owner, now + lease_seconds, row["id"]),
            )
        return self.get_review_job(row["id"])

    @staticmethod
    def _held_job(conn: sqlite3.Connection, job_id: str, owner: str, now: float) -> ReviewJob:
        row = conn.execute("SELECT * FROM review_jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise NotFound(f"no review job {job_id!r}")
        job = rows.from_row(ReviewJob, row)
        if job.state == "decided":
            raise Conflict(f"review job {job_id} is already decided", job_id=job_id)
        if job.state != "leased" or job.lease_owner != owner:
            raise Conflict(f"review job {job_id} is not leased to {owner}", job_id=job_id)
        if job.lease_expires_at is None or job.lease_expires_at < now:
            raise Conflict(f"the lease on review job {job_id} has expired; lease it again",
                           job_id=job_id)  # fmt: skip
        return job

    def decide_review_job(
        self, job_id: str, owner: str, decision: dict[str, Any], now: float
    ) -> ReviewJob:
        with self._tx() as conn:
            job = self._held_job(conn, job_id, owner, now)
            conn.execute(
                "UPDATE review_jobs SET state = 'decided', decision = ?, decided_at = ?"
                " WHERE id = ?",
                (json.dumps(decision, ensure_ascii=False), now, job_id),
            )
        job.state, job.decision, job.decided_at = "decided", decision, now
        return job

    def release_review_job(self, job_id: str, owner: str, now: float) -> ReviewJob:
        with self._tx() as conn:
            job = self._held_job(conn, job_id, owner, now)
            job.excluded = sorted({*job.excluded, owner})
            job.skips += 1
            conn.execute(
                "UPDATE review_jobs SET state = 'open', lease_owner = NULL,"
                " lease_expires_at = NULL, excluded = ?, skips = ? WHERE id = ?",
                (json.dumps(job.excluded, ensure_ascii=False), job.skips, job_id),
            )
        job.state, job.lease_owner, job.lease_expires_at = "open", None, None
        return job

    def list_review_jobs(
        self,
        *,
        queue: str | None = None,
        state: str | None = None,
        source: str | None = None,
        item_id: str | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[ReviewJob]:
        where, args = ["id > ?"], [after or ""]
        for column, value in (("queue", queue), ("state", state), ("source", source),
                              ("item_id", item_id)):  # fmt: skip
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        found = self._all_rows(
            f"SELECT * FROM review_jobs WHERE {' AND '.join(where)} ORDER BY id LIMIT ?",
            (*args, limit),
        )
        return [rows.from_row(ReviewJob, r) for r in found]

    def review_queue_stats(self, now: float) -> list[dict[str, Any]]:
        found = self._all_rows(
            "SELECT queue, language,"
            " SUM(state = 'open' OR lease_expires_at < ?) AS waiting,"
            " SUM(state = 'leased' AND lease_expires_at >= ?) AS leased,"
            " MIN(created_at) AS oldest_created_at,"
            " SUM(due_at IS NOT NULL AND due_at < ?) AS sla_breaches"
            " FROM review_jobs WHERE state != 'decided' GROUP BY queue, language"
            " ORDER BY queue, language",
            (now, now, now),
        )
        return [dict(r) for r in found]
