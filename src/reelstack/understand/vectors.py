"""Vectors inside JSON features: base64 of little-endian float16/float32, with the shape.

Features are JSON (one schema for every backend); a 1280-d float16 vector costs 3.4 KB this way
instead of ~25 KB as a list of numbers.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

_DTYPES = {"f2": np.dtype("<f2"), "f4": np.dtype("<f4")}


def encode(vector: np.ndarray, dtype: str = "f4") -> dict[str, Any]:
    array = np.ascontiguousarray(np.asarray(vector, dtype=_DTYPES[dtype]))
    return {"dtype": dtype, "shape": list(array.shape), "b64": base64.b64encode(array).decode()}


def decode(value: dict[str, Any]) -> np.ndarray:
    """The float32 array behind ``encode``'s output."""
    raw = base64.b64decode(value["b64"])
    array = np.frombuffer(raw, dtype=_DTYPES[value["dtype"]]).reshape(value["shape"])
    return array.astype(np.float32)


def is_vector(value: Any) -> bool:
    return isinstance(value, dict) and {"dtype", "shape", "b64"} <= set(value)
