"""``ecsguard demo``: the whole product on the bundled sample estate, in one command.

It runs the real commands (collect output → scan → report → scope → diff/history → monitor)
on the sample snapshots shipped in ``ecsguard.sample``, records every generation in a fresh
store, writes the results to ``ecsguard-demo/`` and prints a summary. ``--serve`` then opens
the dashboard on the demo database.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Callable
from contextlib import redirect_stdout
from importlib import resources
from io import StringIO
from pathlib import Path
from typing import Any

import click
import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ecsguard.errors import EcsguardError
from ecsguard.report.text import one_line

SAMPLE = resources.files("ecsguard.sample")
GENERATIONS = [
    "snapshot-gen0.json.gz",
    "snapshot-gen1.json.gz",
    "snapshot-gen2.json.gz",
    "snapshot-gen3.json.gz",
]


def _run(args: list[str]) -> int:
    """Run one ecsguard command in-process; return its exit code."""
    from ecsguard.cli import cli

    buffer = StringIO()
    try:
        with redirect_stdout(buffer):
            code = cli.main(args=args, prog_name="ecsguard", standalone_mode=False)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except EcsguardError as exc:
        raise click.ClickException(f"demo step `ecsguard {' '.join(args)}` failed: {exc}") from None
    return int(code or 0)


def _step(console: Console, label: str, work: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    with console.status(label):
        value = work()
    console.print(f"[green]✓[/] {label} [dim]({time.perf_counter() - started:.1f} s)[/]")
    return value


@click.command()
@click.option(
    "--out",
    "out_dir",
    default="ecsguard-demo",
    show_default=True,
    help="Where to write the results.",
)
@click.option(
    "--serve",
    "serve_after",
    is_flag=True,
    help="Open the dashboard on the demo database afterwards.",
)
@click.option("--port", default=8080, show_default=True, type=int)
def demo(out_dir: str, serve_after: bool, port: int) -> None:
    """Run scan, scope, lifecycle and runtime detection on the bundled sample estate."""
    console = Console(stderr=False)
    out = Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    data = out / "inputs"
    data.mkdir()
    for name in [*GENERATIONS, "dataflows.yaml", "scope.yaml"]:
        (data / name).write_bytes((SAMPLE / "data" / name).read_bytes())
    (data / "events.jsonl").write_bytes((SAMPLE / "runtime" / "events.jsonl").read_bytes())
    gens = [str(data / g) for g in GENERATIONS]
    latest, flows = gens[-1], str(data / "dataflows.yaml")
    db = str(out / "ecsguard.db")
    started = time.perf_counter()
    console.rule("[bold]ecsguard demo[/]: a payments estate on ECS, four weekly snapshots")

    _step(
        console,
        "Inventory of the sample estate",
        lambda: _run(["inventory", latest, "--format", "json"]),
    )
    _step(
        console,
        "PCI DSS scope (declared flows, reachability, drift since week 0)",
        lambda: (
            _run(
                [
                    "scope",
                    latest,
                    "--flows",
                    flows,
                    "--baseline",
                    gens[0],
                    "--format",
                    "json",
                    "-o",
                    str(out / "scope.json"),
                ]
            ),
            _run(
                [
                    "scope",
                    latest,
                    "--flows",
                    flows,
                    "--baseline",
                    gens[0],
                    "--format",
                    "html",
                    "-o",
                    str(out / "scope.html"),
                ]
            ),
            _run(
                [
                    "scope",
                    latest,
                    "--flows",
                    flows,
                    "--format",
                    "mermaid",
                    "-o",
                    str(out / "scope.mmd"),
                ]
            ),
        ),
    )
    scope_json = str(out / "scope.json")
    _step(
        console,
        "Posture scan, all frameworks (json, sarif, html)",
        lambda: [
            _run(["scan", latest, "--scope", scope_json, "--format", fmt, "-o", str(out / name)])
            for fmt, name in (
                ("json", "findings.json"),
                ("sarif", "findings.sarif"),
                ("html", "findings.html"),
                ("asff", "findings.asff.json"),
            )
        ],
    )
    _step(
        console,
        "Evidence pack for PCI DSS 4.0 (report.html)",
        lambda: _run(
            [
                "report",
                str(out / "findings.json"),
                "--framework",
                "pci-dss-4.0",
                "--scope",
                scope_json,
                "-o",
                str(out / "report.html"),
            ]
        ),
    )
    shutil.copy(out / "report.html", out / "evidence-pci-dss-4.0.html")
    _step(
        console,
        "Lifecycle: record four collections in the store",
        lambda: _record_history(gens, flows, db, out),
    )
    _step(
        console,
        "Lifecycle: diff week 0 → week 3, history, drift",
        lambda: (
            _run(["diff", gens[0], latest, "-o", str(out / "diff.txt")]),
            _run(["diff", gens[0], latest, "--format", "json", "-o", str(out / "diff.json")]),
            _run(["history", "--db", db, "-o", str(out / "history.txt")]),
        ),
    )
    _step(
        console,
        "Runtime: replay the sample event stream through the detection engine",
        lambda: _run(
            [
                "monitor",
                "--source",
                f"file:{data / 'events.jsonl'}",
                "--scope",
                scope_json,
                "--format",
                "json",
                "--sink",
                f"file:{out / 'alerts.jsonl'}",
            ]
        ),
    )
    _store_alerts(out / "alerts.jsonl", db)
    _summary(console, out)
    console.print(
        f"\nDone in {time.perf_counter() - started:.1f} s. Results in [bold]{out}/[/]: report.html, scope.html, findings.sarif, alerts.jsonl, diff.txt …"
    )
    if serve_after:
        from ecsguard.cli.serve import serve

        serve.main(args=["--db", db, "--port", str(port)], standalone_mode=False)
    else:
        console.print(f"Dashboard: [bold]ecsguard serve --db {db}[/] (or `ecsguard demo --serve`)")


def _record_history(gens: list[str], flows: str, db: str, out: Path) -> None:
    from ecsguard.collect.load import load_inputs
    from ecsguard.store import open_store

    store = open_store(db)
    try:
        for index, path in enumerate(gens):
            week = out / f"week{index}"
            week.mkdir()
            _run(
                [
                    "scope",
                    path,
                    "--flows",
                    flows,
                    "--format",
                    "json",
                    "-o",
                    str(week / "scope.json"),
                ]
            )
            _run(
                [
                    "scan",
                    path,
                    "--scope",
                    str(week / "scope.json"),
                    "--format",
                    "json",
                    "-o",
                    str(week / "findings.json"),
                ]
            )
            run_id = store.record_run(load_inputs([path]), source=path, kind="scan")
            store.record_findings(run_id, orjson.loads((week / "findings.json").read_bytes()))
            store.record_scope(run_id, orjson.loads((week / "scope.json").read_bytes()))
    finally:
        store.close()


def _store_alerts(path: Path, db: str) -> None:
    from ecsguard.store import open_store

    if not path.exists():
        return
    alerts = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    store = open_store(db)
    try:
        store.record_alerts(alerts)
    finally:
        store.close()


def _plain(value: Any) -> str:
    """Input text (names, command lines) shown as written: no rich markup, no control codes
    (a process named ``[kworker/u8:2]`` must not vanish as a style tag)."""
    return escape(one_line(str(value)))


def _summary(console: Console, out: Path) -> None:
    findings = orjson.loads((out / "findings.json").read_bytes())
    scope = orjson.loads((out / "scope.json").read_bytes())
    alerts = (
        [orjson.loads(x) for x in (out / "alerts.jsonl").read_bytes().splitlines() if x.strip()]
        if (out / "alerts.jsonl").exists()
        else []
    )
    summary = findings["summary"]
    console.rule("Posture")
    console.print(
        f"{summary['fail']} failing, {summary['pass']} passing, {summary['error']} undetermined; "
        + ", ".join(f"{k} {v}" for k, v in summary["by_severity"].items() if v)
    )
    rank = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
    top = sorted(
        (r for r in findings["results"] if r["status"] == "fail"),
        key=lambda r: (r.get("scope") != "cde", rank.get(r["severity"], 9)),
    )[:10]
    table = Table(show_edge=False)
    for column in ("severity", "check", "resource", "PCI scope"):
        table.add_column(column)
    for r in top:
        table.add_row(
            _plain(r["severity"]),
            _plain(r["check_id"]),
            _plain(r["resource"].get("name") or r["resource"]["id"]),
            _plain(r.get("scope") or ""),
        )
    console.print(table)
    console.rule("PCI scope")
    cats = Counter(c["category"] for c in scope["components"])
    console.print(", ".join(f"{k} {v}" for k, v in sorted(cats.items())))
    for event in scope.get("events", [])[:8]:
        console.print(f"  [yellow]{_plain(event['type'])}[/] {_plain(event.get('text', ''))}")
    console.rule("Runtime alerts")
    worst_first = sorted(alerts, key=lambda a: rank.get(str(a.get("severity")), 9))
    for alert in worst_first[:10]:
        res = alert.get("resource") or {}
        command = str((alert.get("process") or {}).get("cmdline", ""))[:80]
        where = f"{res.get('cluster', '')}/{res.get('container', '')}"
        console.print(
            f"  [red]{_plain(alert['severity'])}[/] {_plain(alert['finding_type'])} — "
            f"{_plain(where)}: {_plain(command)}"
        )
    console.print(f"  {len(alerts)} alerts in total")
