"""Ranking: features, the learned multi-task ranker, the heuristic fallback, the value model."""
