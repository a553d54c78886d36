"""Understand: turns every ingested post into features (keyframes, concepts, text, embeddings)."""
