"""Posture: configuration checks over the typed inventory, producing Findings."""
