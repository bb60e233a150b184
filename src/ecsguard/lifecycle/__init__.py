"""Lifecycle: parameter-level diffs, task-definition phases, history over the store, drift."""
