"""``ecsguard history``, ``ecsguard diff`` and ``ecsguard prune``: the lifecycle commands.

Arguments are parsed here and handed to ``ecsguard.lifecycle`` and ``ecsguard.store``; the
documents and their text come from ``ecsguard.lifecycle.render`` and ``ecsguard.lifecycle.views``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import orjson

from ecsguard.errors import UsageError
from ecsguard.lifecycle import views
from ecsguard.lifecycle.diff import Change, DiffOptions, diff_records
from ecsguard.lifecycle.match import diff_document, diff_inventories, order
from ecsguard.lifecycle.render import render_text
from ecsguard.lifecycle.resolve import Side, resolve, stores
from ecsguard.posture.result import SEVERITIES

DB_HELP = "Database: a file path, sqlite:///… or postgresql+psycopg://… (default: $ECSGUARD_DB or ~/.local/share/ecsguard/ecsguard.db)."
FORMATS = click.Choice(["text", "json"])


def _emit(text: str, output: str | None) -> None:
    if output and output != "-":
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _json(doc: object) -> str:
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE).decode()


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--db", envvar="ECSGUARD_DB", help=DB_HELP)
@click.option(
    "--in",
    "inputs",
    multiple=True,
    metavar="INPUT",
    help="Where to find FAMILY:REV revisions (snapshot, template); default: the store.",
)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.option("--security-only", is_flag=True, help="Only security-relevant changes.")
@click.option("-o", "--output", help="Write to a file instead of stdout.")
@click.pass_context
def diff(
    ctx: click.Context,
    old: str,
    new: str,
    db: str | None,
    inputs: tuple[str, ...],
    fmt: str,
    security_only: bool,
    output: str | None,
) -> None:
    """Parameter-level changes from OLD to NEW.

    OLD and NEW are each an input file (snapshot, CloudFormation template, Terraform plan,
    task definition), a stored run (run:N, latest, previous) or a task-definition revision
    (family:3). A template against a live snapshot shows IaC drift.
    """
    with stores(db) as holder:
        a, b = resolve(old, holder, inputs), resolve(new, holder, inputs)
        changes = _changes(a, b)
    if security_only:
        changes = [c for c in changes if c.security_relevant]
    if fmt == "json":
        _emit(_json(diff_document(a.label, b.label, changes)), output)
    else:
        _emit(render_text(a.label, b.label, changes), output)
    ctx.exit(0)


def _changes(a: Side, b: Side) -> list[Change]:
    if a.record is not None and b.record is not None:
        return order(diff_records(a.record, b.record, DiffOptions(ignore_identity=True)))
    if a.inventory is not None and b.inventory is not None:
        return diff_inventories(a.inventory, b.inventory)
    raise UsageError(
        "diff compares two revisions, or two inventories (files or runs), not one of each"
    )


@click.command("history")
@click.argument("resource", required=False)
@click.option("--db", envvar="ECSGUARD_DB", help=DB_HELP)
@click.option(
    "--run", "run_id", type=int, help="Lifecycle and drift as of this run (default: latest)."
)
@click.option(
    "--at",
    metavar="TIME",
    help="With RESOURCE: its stored configuration as of this ISO-8601 time (JSON).",
)
@click.option(
    "--fail-on",
    type=click.Choice(list(SEVERITIES)),
    default="high",
    show_default=True,
    help="Gate a deployed revision had to pass.",
)
@click.option(
    "--deployment-grace",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="Minutes a deployment may run old and new revisions side by side.",
)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.option("-o", "--output", help="Write to a file instead of stdout.")
@click.pass_context
def history(
    ctx: click.Context,
    resource: str | None,
    db: str | None,
    run_id: int | None,
    at: str | None,
    fail_on: str,
    deployment_grace: float,
    fmt: str,
    output: str | None,
) -> None:
    """Changes of one RESOURCE run by run, or (no RESOURCE) the estate: runs, findings opened,
    resolved and regressed, each task-definition family's lifecycle, and drift findings."""
    with stores(db) as holder:
        store = holder.get()
        if resource and at:
            doc = views.resource_at_doc(store, resource, at)
            fmt = "json"  # a configuration is a document; there is no better text for it
            text = ""
        elif resource:
            doc = views.resource_doc(store, resource)
            text = views.resource_text(doc)
        else:
            doc = views.estate_doc(store, run_id, fail_on, deployment_grace * 60)
            text = views.estate_text(doc)
    _emit(_json(doc) if fmt == "json" else text, output)
    ctx.exit(0)


@click.command("prune")
@click.option(
    "--keep-days", type=click.FloatRange(min=0), required=True, help="Keep runs newer than this."
)
@click.option("--db", envvar="ECSGUARD_DB", help=DB_HELP)
@click.pass_context
def prune(ctx: click.Context, keep_days: float, db: str | None) -> None:
    """Delete runs and alerts older than --keep-days, and the data only they referred to."""
    with stores(db) as holder:
        store = holder.get()
        result = store.prune(keep_days)
    click.echo(
        f"pruned {result.runs} runs, {result.alerts} alerts, {result.blobs} stored objects",
        err=True,
    )
    ctx.exit(0)
