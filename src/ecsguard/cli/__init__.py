"""Command-line entry point: a click group whose subcommands load lazily from their modules.

The table below is the registry: one line per command, ``name -> module:attribute``. Each
command module parses arguments, wires an edge to the core and renders; no logic lives here.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import os
import sys
from typing import Any

import click

from ecsguard import __version__
from ecsguard.errors import EcsguardError

COMMANDS: dict[str, tuple[str, str]] = {
    "collect": ("ecsguard.cli.collect", "collect"),
    "scan": ("ecsguard.cli.scan", "scan"),
    "scope": ("ecsguard.cli.scope", "scope"),
    "history": ("ecsguard.cli.lifecycle", "history"),
    "diff": ("ecsguard.cli.lifecycle", "diff"),
    "prune": ("ecsguard.cli.lifecycle", "prune"),
    "report": ("ecsguard.cli.report", "report"),
    "monitor": ("ecsguard.cli.monitor", "monitor"),
    "agent": ("ecsguard.cli.agent", "agent"),
    "serve": ("ecsguard.cli.serve", "serve"),
    "demo": ("ecsguard.cli.demo", "demo"),
    "checks": ("ecsguard.cli.scan", "checks"),
    "rules": ("ecsguard.cli.monitor", "rules"),
    "frameworks": ("ecsguard.cli.report", "frameworks"),
    "inventory": ("ecsguard.cli.inventory", "inventory"),
}


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs (fast start-up, isolated faults)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, (mod, _) in COMMANDS.items() if _module_exists(mod))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None or not _module_exists(target[0]):
            return None
        module = importlib.import_module(target[0])
        command = getattr(module, target[1])
        assert isinstance(command, click.Command)
        return command


def _module_exists(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ecsguard")
def cli() -> None:
    """ecsguard keeps Amazon ECS workloads compliant and safe."""


# Batch commands end with a large heap of small objects; freeing it one by one at interpreter
# exit costs up to a fifth of a big scan. These leave through os._exit once their output is
# flushed (long-running commands with threads and children exit the ordinary way).
BATCH = frozenset({"scan", "scope", "report", "inventory", "history", "diff", "checks"})


def entry() -> None:
    """Console script and ``python -m ecsguard``: ``main`` and a fast exit for batch commands."""
    argv = sys.argv[1:]
    batch = bool(argv) and argv[0] in BATCH
    if batch:  # refcounting frees what a batch run drops; the cyclic GC would only cost time
        gc.disable()
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    if not batch:
        sys.exit(code)
    if code is not None and not isinstance(code, int):
        click.echo(str(code), err=True)
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        code = code or 1
    import logging

    logging.shutdown()
    os._exit(code or 0)


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry: runs the CLI and turns our errors into one line and exit code 2."""
    try:
        return cli.main(args=argv, prog_name="ecsguard", standalone_mode=False)
    except EcsguardError as exc:
        # Messages quote input (names, paths, values): never let them drive the terminal.
        from ecsguard.report.text import one_line

        click.echo(f"ecsguard: error: {one_line(exc)}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("ecsguard: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(1)
