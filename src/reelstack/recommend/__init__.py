"""Recommend: events, real-time user state, recall, multi-task ranking and re-ranking."""
