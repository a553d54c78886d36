"""Load LightGBM's native library before anything loads usearch.

usearch loads NumKong with ``RTLD_GLOBAL``; a ``lib_lightgbm.so`` loaded *after* that formats
strings wrongly (training fails with "Feature (Column_) appears more than one time", saved
models fail to parse). Loading the library first (6 ms, without importing the Python
package and its scikit-learn) avoids the clash, so `preload` runs when the platform opens
and before the recommender makes its first usearch index.
"""

from __future__ import annotations

import ctypes
import importlib.util
import logging
from pathlib import Path

log = logging.getLogger(__name__)
_loaded: list[ctypes.CDLL] = []


def preload() -> bool:
    """Load ``lib_lightgbm.so`` once if LightGBM is installed; True when it is loaded."""
    if _loaded:
        return True
    try:
        spec = importlib.util.find_spec("lightgbm")
    except (ImportError, ValueError):
        return False
    if spec is None or spec.origin is None:
        return False
    for name in ("lib_lightgbm.so", "lib_lightgbm.dylib", "lib_lightgbm.dll"):
        path = Path(spec.origin).parent / "lib" / name
        if path.is_file():
            try:
                _loaded.append(ctypes.CDLL(str(path)))
            except OSError as exc:
                log.debug("could not preload %s: %s", path, exc)
                return False
            return True
    return False
