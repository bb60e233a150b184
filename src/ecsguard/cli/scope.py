"""``ecsguard scope``: PCI DSS scope of an ECS estate, with reasons, diagrams and drift."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from typing import Any

import click
import orjson

from ecsguard.errors import InputError, UsageError

FORMATS = ("table", "json", "dot", "mermaid", "html")


@click.command("scope")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "--baseline",
    "baseline",
    metavar="INPUT",
    help="Earlier snapshot/template or scope JSON to compare with (drift).",
)
@click.option(
    "--since",
    "since",
    metavar="DATE",
    help="Compare with the newest stored scope (or run) before DATE (ISO 8601).",
)
@click.option(
    "--db", "db", metavar="URL", help="History store for --since/--record (default: $ECSGUARD_DB)."
)
@click.option(
    "--record",
    is_flag=True,
    help="Store this run and its scope report in the history store (implied by --db without --since).",
)
@click.option(
    "--sink",
    "sinks",
    multiple=True,
    metavar="SPEC",
    help="cloudwatch:/log/group[/stream]: components and drift events (repeatable).",
)
@click.option("--flows", "flows", metavar="dataflows.yaml", help="Declared data flows.")
@click.option(
    "--declarations", "declarations", metavar="scope.yaml", help="Declarations that override tags."
)
@click.option(
    "--config",
    "config",
    metavar="ecsguard.toml",
    help="Policy switches in [scope] (default: ./ecsguard.toml if present).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option(
    "-o", "--output", "output", metavar="FILE", help="Write here instead of standard output."
)
@click.option(
    "--fail-on-drift",
    is_flag=True,
    help="Exit 1 on drift from the baseline (without one: on any event).",
)
@click.pass_context
def scope(
    ctx: click.Context,
    inputs: tuple[str, ...],
    baseline: str | None,
    since: str | None,
    db: str | None,
    record: bool,
    flows: str | None,
    declarations: str | None,
    config: str | None,
    fmt: str,
    output: str | None,
    fail_on_drift: bool,
    sinks: tuple[str, ...],
) -> None:
    """Compute which ECS components are CDE, connected-to, security-impacting or out of scope."""
    from ecsguard.collect.load import load_inputs
    from ecsguard.scope import declare
    from ecsguard.scope.policy import load_policy
    from ecsguard.sinks.results import check_specs, send_scope

    if since and baseline:
        raise UsageError("use either --baseline or --since, not both")
    check_specs(sinks, securityhub=False)
    record = record or (db is not None and since is None)
    if config is None and os.path.exists("ecsguard.toml"):
        config = "ecsguard.toml"
    policy = load_policy(config)
    overrides = declare.load_overrides(declarations)
    flow_list = declare.load_flows(flows)
    inventory = load_inputs(list(inputs))
    report = _scope(inventory, policy, overrides, flow_list)
    if baseline or since:
        from ecsguard.scope.drift import drift_events

        if baseline:
            old = _baseline(baseline, policy, overrides, flow_list)
        else:
            old = _stored_baseline(str(since), db, policy, overrides, flow_list)
        failing = drift_events(old, report) + _new_findings(old, report["events"])
        report["events"] = failing + [e for e in report["events"] if e not in failing]
        report["baseline"] = baseline or f"stored run before {since}"
    else:
        failing = list(report["events"])
    if record:
        from ecsguard.store import open_store

        store = open_store(db)
        try:
            store.record_scope(
                store.record_run(inventory, source=",".join(inputs), kind="scope"), report
            )
        finally:
            store.close()
    report["inputs"] = list(inputs)
    _write(_render(report, fmt), output)
    if sinks:
        send_scope(report, sinks)
    ctx.exit(1 if fail_on_drift and failing else 0)


def _new_findings(old: dict[str, Any], events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Undeclared/blocked flows and inconsistent declarations the baseline did not have already:
    with a baseline, only a change fails the gate."""
    seen = {(e.get("type"), e.get("component"), e.get("text")) for e in old.get("events", [])}
    return [e for e in events if (e.get("type"), e.get("component"), e.get("text")) not in seen]


def _scope(inv: Any, policy: Any, overrides: Any, flows: Any) -> dict[str, Any]:
    from ecsguard.scope.engine import compute_scope

    return compute_scope(inv, policy=policy, overrides=overrides, flows=flows)


def _baseline(path: str, policy: Any, overrides: Any, flows: Any) -> dict[str, Any]:
    """A stored scope report (``ecsguard_scope``) is used as is; any other input is scoped."""
    from ecsguard.collect.load import load_inputs, read_text

    text = read_text(path)
    if text.lstrip().startswith("{") and '"ecsguard_scope"' in text[:4096]:
        try:
            doc = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise InputError(path, None, f"invalid JSON: {exc}") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("components"), list):
            raise InputError(path, "components", "not a scope report")
        return doc
    return _scope(load_inputs([path]), policy, overrides, flows)


def _stored_baseline(
    since: str, db: str | None, policy: Any, overrides: Any, flows: Any
) -> dict[str, Any]:
    """The newest stored scope report before ``since``, else the newest stored run, scoped now."""
    from ecsguard.store import open_store

    store = open_store(db)
    try:
        try:
            stored = store.latest_scope(before=since)
            runs = [] if stored else store.runs(before=since)
        except ValueError:
            raise UsageError(f"--since {since!r}: not an ISO 8601 date or time") from None
        if stored is not None:
            return dict(stored.doc)
        if runs:
            return _scope(store.inventory_at(runs[-1].id), policy, overrides, flows)
    finally:
        store.close()
    raise UsageError(f"--since {since}: no scope report or run is stored before that time")


def _render(report: dict[str, Any], fmt: str) -> str:
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if fmt == "json":
        return orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n"
    if fmt == "dot":
        from ecsguard.scope.render_graph import render_dot

        return render_dot(report, generated)
    if fmt == "mermaid":
        from ecsguard.scope.render_graph import render_mermaid

        return render_mermaid(report)
    if fmt == "html":
        from ecsguard.scope.render_html import render_html

        return render_html(report, generated)
    from ecsguard.scope.render_table import render_table

    return render_table(report)


def _write(text: str, output: str | None) -> None:
    if not output or output == "-":
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise InputError(output, None, f"cannot write: {exc.strerror or exc}") from None
