"""``ecsguard monitor`` (runtime detection over an event stream) and ``ecsguard rules``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
import orjson

from ecsguard.runtime import load_engine, load_ruleset
from ecsguard.runtime.alerts import SEVERITIES, Alert
from ecsguard.runtime.sinks import AlertSink, open_sink
from ecsguard.sources import open_source

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


def _engine_options(
    rules_paths: tuple[str, ...],
    no_default: bool,
    intel: str | None,
    yara_dir: str | None,
    baseline: str | None,
    learn: bool,
    scope: str | None,
    window: float,
) -> dict[str, Any]:
    return {
        "rules_dirs": list(rules_paths) or None,
        "include_default": not no_default,
        "intel_dir": intel,
        "yara_dir": yara_dir,
        "baseline": baseline if baseline and Path(baseline).exists() else None,
        "learn": learn,
        "scope": scope,
        "window_ms": int(window * 1000),
    }


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
    help="Extra rules file or directory (Falco format).",
)
@click.option("--no-default-rules", is_flag=True, help="Do not load the shipped rules.")
@click.option(
    "--intel", type=click.Path(exists=True, file_okay=False), help="Threat-intel directory."
)
@click.option(
    "--yara",
    "yara_dir",
    type=click.Path(exists=True, file_okay=False),
    help="Directory of YARA rules for executed files.",
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
    help="stdout, file:PATH, nats://HOST:PORT (repeatable).",
)
@click.option(
    "--window",
    type=float,
    default=60.0,
    show_default=True,
    help="Aggregation window in seconds (0: no aggregation).",
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
    scope: str | None,
    fmt: str,
    sinks: tuple[str, ...],
    window: float,
    fail_on: str | None,
) -> None:
    """Detect threats in OCSF runtime events; writes one alert per line."""
    if learn and not baseline:
        raise click.UsageError("--learn needs --baseline FILE to write the learned baseline to")
    engine = load_engine(
        **_engine_options(
            rules_paths, no_default_rules, intel, yara_dir, baseline, learn, scope, window
        )
    )
    for problem in engine.problems:
        _warn(str(problem))
    for warning in engine.program.warnings:
        _warn(warning)
    outputs = [open_sink(spec, format=fmt) for spec in (sinks or ("stdout",))]
    run = _Run(outputs, fail_on)
    try:
        for spec in sources:
            for delivery in open_source(spec).deliveries():
                if delivery.event is None:
                    run.malformed_line(delivery.origin, delivery.error)
                else:
                    run.emit(engine.process(delivery.event))
                if delivery.ack is not None:
                    delivery.ack()
    except KeyboardInterrupt:
        _warn("interrupted; flushing held alerts")
    finally:
        run.emit(engine.flush())
        for sink in outputs:
            sink.close()
    _finish(engine, run, baseline if learn else None)
    ctx.exit(1 if run.failing else 0)


def _finish(engine: Any, run: _Run, learned_path: str | None) -> None:
    if learned_path:
        from ecsguard.runtime.baseline import BaselineDetector

        for det in engine.detectors:
            if isinstance(det, BaselineDetector):
                det.baseline.save(Path(learned_path))
                click.echo(
                    f"ecsguard: baseline for {len(det.baseline.workloads)} workload(s) written to {learned_path}",
                    err=True,
                )
    stats = engine.stats
    if run.malformed > _MAX_REPORTED:
        _warn(f"{run.malformed - _MAX_REPORTED} more malformed line(s) not shown")
    click.echo(
        f"ecsguard: {stats.events} events, {run.malformed} malformed, {stats.type_errors} with wrong field types, "
        f"{run.alerts} alerts",
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
def rules(rules_paths: tuple[str, ...], fmt: str) -> None:
    """List the shipped runtime rules (id, GuardDuty finding type, severity, title)."""
    rs = load_ruleset(list(rules_paths))
    for problem in rs.problems:
        _warn(str(problem))
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
    for r in rows:
        click.echo(
            f"{r['id']:<{width}}  {r['finding_type']:<{fwidth}}  {r['severity']:<8}  {r['title']}"
        )
