"""Wiring: builds the services of one deployment from settings (local worker, roles, scheduler)."""

from reelstack.runtime.platform import Platform

__all__ = ["Platform"]
