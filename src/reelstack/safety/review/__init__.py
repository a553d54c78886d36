"""Human review: queues of jobs (from ``review`` verdicts, reports, appeals, samples), leased
to one reviewer at a time, decided as manual decisions. See ``README.md`` here."""

from reelstack.safety.review.jobs import open_for_verdict, queue_of
from reelstack.safety.review.service import ReviewService, job_dict

__all__ = ["ReviewService", "job_dict", "open_for_verdict", "queue_of"]
