"""Runtime sample data: a deterministic stream of OCSF events from the sample estate's ECS
workloads, with labelled attacks interleaved. ``events_path()`` is the bundled demo stream;
``python -m ecsguard.sample.runtime.generate`` regenerates it (or a larger labelled stream).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["events_path", "labels_path"]

_HERE = Path(__file__).resolve().parent


def events_path() -> Path:
    """The bundled demo stream (a few thousand events, a handful of attacks)."""
    return _HERE / "events.jsonl"


def labels_path() -> Path:
    """Labels of the demo stream's attack events (metadata.uid -> scenario and expected type)."""
    return _HERE / "labels.jsonl"
