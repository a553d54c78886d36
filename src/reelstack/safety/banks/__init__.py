"""Hash banks (HMA-style): banned content fingerprints, matched per file, hash and video.

``HashBankService`` keeps banks and entries in the store and answers lookups through a
``BankIndex`` (FAISS binary index, numpy without it); ``HashBankDetector`` turns a post's
matches into scores for each bank's policy. See README.md in this folder.
"""

from reelstack.safety.banks.detector import HashBankDetector
from reelstack.safety.banks.index import BankIndex, Match, VideoHit
from reelstack.safety.banks.service import Added, HashBankService, entry_summary

__all__ = ["Added", "BankIndex", "HashBankDetector", "HashBankService", "Match", "VideoHit",
           "entry_summary"]  # fmt: skip
