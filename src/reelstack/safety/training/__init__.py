"""Reproducible training recipes for the Safety detectors that ship a model of their own."""
