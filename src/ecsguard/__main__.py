"""``python -m ecsguard`` runs the CLI."""

from ecsguard.cli import entry

entry()
