"""``ecsguard monitor`` (runtime detection over an event stream) and ``ecsguard rules``."""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path
from typing import Any

import click
import orjson

from ecsguard.runtime import MONITOR_GC_THRESHOLD, load_engine, load_ruleset
from ecsguard.runtime.alerts import SEVERITIES, Alert
from ecsguard.runtime.baseline import Baseline, BaselineDetector
from ecsguard.runtime.sinks import AlertSink, open_sink
from ecsguard.sources import open_source, split_spec

__all__ = ["monitor", "rules"]

_MAX_REPORTED = 20


def _warn(message: str) -> None:
    click.echo(f"ecsguard: warning: {message}", err=True)


def _severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


class _Run:
    """Counts what happened so the summary and exit code can be computed at the end."""

    def __init__(self, sinks: list[AlertSink], fail_on: str | None) -> None:
        self.sinks = sinks
        self.fail_rank = _severity_rank(fail_on) if fail_on else None
        self.malformed = 0
        self.alerts = 0
        self.failing = 0

    def emit(self, alerts: list[Alert]) -> None:
        for alert in alerts:
            self.alerts += 1
            if self.fail_rank is not None and _severity_rank(alert.severity) >= self.fail_rank:
                self.failing += 1
            for sink in self.sinks:
                sink.emit(alert)

    def malformed_line(self, origin: str, error: str | None) -> None:
        self.malformed += 1
        if self.malformed <= _MAX_REPORTED:
            _warn(f"{origin}: {error}")


def _baseline(path: str | None, learn: bool, store: Any) -> Baseline | None:
    """The baseline to learn into or check against: a JSON file, the store, or none."""
    if path is None and store is None and not learn:
        return None
    base = Baseline.load(Path(path)) if path else Baseline()
    if store is not None and not learn:
        base.loader = store.load_baseline
    return base


def _save_baseline(engine: Any, path: str | None, store: Any) -> None:
    for det in engine.detectors:
        if not isinstance(det, BaselineDetector):
            continue
        if path:
            det.baseline.save(Path(path))
        if store is not None:
            det.baseline.save_to_store(store)
        where = " and ".join(x for x in (path, "the store" if store is not None else None) if x)
        click.echo(
            f"ecsguard: baseline for {len(det.baseline.workloads)} workload(s) written to {where}",
            err=True,
        )


@click.command("monitor")
@click.option(
    "--source",
    "sources",
    multiple=True,
    required=True,
    metavar="SPEC",
    help="file:PATH, - (stdin), sysdig:PATH (sysdig -j output), nats://HOST:PORT.",
)
@click.option(
    "--rules",
    "rules_paths",
    multiple=True,
    type=click.Path(exists=True),
    help="Extra rules file or directory (Falco format), loaded after the shipped rules.",
)
@click.option("--no-default-rules", is_flag=True, help="Do not load the shipped rules.")
@click.option(
    "--intel", type=click.Path(exists=True, file_okay=False), help="Threat-intel directory."
)
@click.option(
    "--yara",
    "yara_dir",
    type=click.Path(exists=True, file_okay=False),
    help="Directory of YARA rules run on executed files readable on this host.",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    help="Baseline JSON file (read; written with --learn).",
)
@click.option(
    "--learn",
    is_flag=True,
    help="Record a baseline per workload instead of alerting on deviations.",
)
@click.option(
    "--db",
    "db_url",
    metavar="URL",
    help="ecsguard store (SQLite path or PostgreSQL URL): alerts and baselines.",
)
@click.option(
    "--scope",
    type=click.Path(exists=True, dir_okay=False),
    help="scope.json from `ecsguard scope --format json`.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "ocsf", "asff"]),
    default="json",
    show_default=True,
)
@click.option(
    "--sink",
    "sinks",
    multiple=True,
    metavar="SPEC",
    help="stdout, file:PATH, db:URL, nats://HOST:PORT, cloudwatch:/log/group[/stream], securityhub (repeatable).",
)
@click.option(
    "--window",
    type=float,
    default=60.0,
    show_default=True,
    help="Aggregation window in seconds (0: none).",
)
@click.option(
    "--fail-on",
    type=click.Choice(list(SEVERITIES)),
    default=None,
    help="Exit 1 when an alert at/above this severity was raised.",
)
@click.pass_context
def monitor(
    ctx: click.Context,
    sources: tuple[str, ...],
    rules_paths: tuple[str, ...],
    no_default_rules: bool,
    intel: str | None,
    yara_dir: str | None,
    baseline: str | None,
    learn: bool,
    db_url: str | None,
    scope: str | None,
    fmt: str,
    sinks: tuple[str, ...],
    window: float,
    fail_on: str | None,
) -> None:
    """Detect threats in OCSF runtime events; writes one alert per line."""
    if learn and not (baseline or db_url):
        raise click.UsageError(
            "--learn needs --baseline FILE or --db URL to keep the learned baseline"
        )
    store = None
    if db_url:
        from ecsguard.store import open_store

        store = open_store(db_url)
    if window > 0 and any(split_spec(spec)[0] == "nats" for spec in sources):
        # NATS deliveries are acked once processed; an alert held for aggregation past its
        # ack would be lost if this monitor died, so fleet monitors do not aggregate.
        _warn("--window set to 0 for nats:// sources (alerts are published before the ack)")
        window = 0.0
    engine = load_engine(
        rules_dirs=list(rules_paths) or None,
        include_default=not no_default_rules,
        intel_dir=intel,
        yara_dir=yara_dir,
        baseline=_baseline(baseline, learn, store),
        learn=learn,
        scope=scope,
        window_ms=int(window * 1000),
    )
    for problem in engine.problems:
        _warn(str(problem))
    for warning in engine.program.warnings:
        _warn(warning)
    gc.freeze()  # compiled rules are long-lived; keep them out of collections
    gc.set_threshold(*MONITOR_GC_THRESHOLD)
    specs = list(sinks or ("stdout",)) + ([f"db:{db_url}"] if db_url and not learn else [])
    run = _Run([open_sink(spec, format=fmt) for spec in specs], fail_on)
    try:
        _consume(engine, sources, run)
    finally:
        run.emit(engine.flush())
        for sink in run.sinks:
            sink.close()
        if learn:
            _save_baseline(engine, baseline, store)
        if store is not None:
            store.close()
    _summary(engine, run)
    ctx.exit(1 if run.failing else 0)


def _consume(engine: Any, sources: tuple[str, ...], run: _Run) -> None:
    try:
        for spec in sources:
            scheme = split_spec(spec)[0]
            options = {"raw": True} if scheme == "file" else {}
            live = scheme != "file" and scheme != "sysdig"
            next_tick = time.monotonic() + 1.0
            for count, delivery in enumerate(open_source(spec, **options).deliveries()):
                if live and count % 256 == 0 and time.monotonic() >= next_tick:
                    # A live stream never ends: release aggregated alerts whose window closed.
                    run.emit(engine.tick(int(time.time() * 1000)))
                    next_tick = time.monotonic() + 1.0
                if delivery.raw is not None:
                    before = engine.stats.malformed
                    run.emit(engine.process_line(delivery.raw))
                    if engine.stats.malformed != before:
                        run.malformed_line(delivery.origin, "malformed JSON or not a JSON object")
                elif delivery.event is None:
                    run.malformed_line(delivery.origin, delivery.error)
                else:
                    run.emit(engine.process(delivery.event))
                if delivery.ack is not None:
                    delivery.ack()
    except KeyboardInterrupt:
        _warn("interrupted; flushing held alerts")


def _summary(engine: Any, run: _Run) -> None:
    stats = engine.stats
    if run.malformed > _MAX_REPORTED:
        _warn(f"{run.malformed - _MAX_REPORTED} more malformed line(s) not shown")
    click.echo(
        f"ecsguard: {stats.events} events, {run.malformed} malformed, {stats.type_errors} with wrong "
        f"field types, {run.alerts} alerts",
        err=True,
    )


@click.command("rules")
@click.option(
    "--rules",
    "rules_paths",
    multiple=True,
    type=click.Path(exists=True),
    help="Extra rules file or directory.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option(
    "--coverage", is_flag=True, help="Print finding type -> rule ids as a Markdown table."
)
def rules(rules_paths: tuple[str, ...], fmt: str, coverage: bool) -> None:
    """List the shipped runtime rules (id, GuardDuty finding type, severity, title)."""
    rs = load_ruleset(list(rules_paths))
    for problem in rs.problems:
        _warn(str(problem))
    if coverage:
        by_type: dict[str, list[str]] = {}
        for rule in rs.rules:
            by_type.setdefault(rule.finding_type, []).append(f"`{rule.id}`")
        click.echo("| finding type | rule ids |\n| --- | --- |")
        for ftype in sorted(by_type):
            click.echo(f"| `{ftype}` | {', '.join(by_type[ftype])} |")
        return
    rows = [
        {
            "id": r.id,
            "finding_type": r.finding_type,
            "severity": r.severity,
            "title": r.name,
            "mitre": r.mitre,
            "enabled": r.enabled,
        }
        for r in rs.rules
    ]
    if fmt == "json":
        sys.stdout.buffer.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2) + b"\n")
        return
    width = max((len(str(r["id"])) for r in rows), default=10)
    fwidth = max((len(str(r["finding_type"])) for r in rows), default=10)
    for row in rows:
        click.echo(
            f"{row['id']:<{width}}  {row['finding_type']:<{fwidth}}  {row['severity']:<8}  {row['title']}"
        )
