"""Detectors: each turns a post's features into scores per policy, with a model version."""
