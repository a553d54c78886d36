"""Ingest: validate posts and their media, store them once, announce them on the stream."""

from reelstack.ingest.manifest import PostSpec
from reelstack.ingest.service import IngestResult, IngestService

__all__ = ["IngestResult", "IngestService", "PostSpec"]
