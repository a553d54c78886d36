"""Shared vocabulary of every pillar: ids, domain records, errors and the clock.

`core` imports no pillar, no storage backend and no web framework.
"""
