"""Ad slots filled with approved ads: Safety II's ad review decides what may run here.

``fill_page`` keeps ``ad_positions`` free; this fills them, rotating through the ads whose
latest review state is approved or approved_limited (``safety.ads.eligible_ads``) and that
the one visibility function still shows to an anonymous viewer (a removed or age-restricted
ad never runs). The eligible list is re-read every ``refresh_s``, so a newly approved or
disapproved ad takes effect within seconds without a restart.
"""

from __future__ import annotations

import itertools
import threading
import time

from reelstack.recommend.catalog import Catalog
from reelstack.recommend.rerank import Candidate
from reelstack.safety.ads import eligible_ads
from reelstack.safety.visibility import Viewer, visibility
from reelstack.storage.interfaces import Store

AD_SOURCE = "ads"


class ApprovedAds:
    def __init__(self, store: Store, catalog: Catalog, refresh_s: float = 5.0) -> None:
        self.store = store
        self.catalog = catalog
        self.refresh_s = refresh_s
        self._lock = threading.Lock()
        self._ads: list[int] = []
        self._read_at = -float("inf")
        self._turn = itertools.count()

    def eligible(self) -> list[int]:
        """Catalogue indexes of the ads that may run now."""
        with self._lock:
            if time.monotonic() - self._read_at >= self.refresh_s:
                self._ads = self._read()
                self._read_at = time.monotonic()
            return list(self._ads)

    def _read(self) -> list[int]:
        found = []
        for ad in eligible_ads(self.store):
            if not visibility(self.store, ad["item_id"], Viewer()).visible:
                continue
            idx = self.catalog.ensure(self.store, ad["item_id"])
            if idx is not None:
                found.append(idx)
        return found

    def fill(self, page: list[Candidate], positions: list[int]) -> list[Candidate]:
        if not positions:
            return page
        ads = [idx for idx in self.eligible() if idx not in {c.idx for c in page}]
        if not ads:
            return page
        start = next(self._turn)
        for n, position in enumerate(sorted(positions)[: len(ads)]):
            idx = ads[(start + n) % len(ads)]
            ad = Candidate(idx, {AD_SOURCE: 1.0}, slot="ad", checked=True)
            page.insert(min(position, len(page)), ad)
        return page
