"""``ecsguard scan`` (posture checks over any input) and ``ecsguard checks`` (the catalogue)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from typing import Any, BinaryIO

import click

from ecsguard.config import load_config
from ecsguard.errors import UsageError
from ecsguard.model import Inventory
from ecsguard.posture.result import SEVERITIES, ScanResult, failing_only

FORMATS = ("json", "table", "sarif", "asff", "ocsf", "csv", "html")


def _inventory(
    inputs: tuple[str, ...], live: bool, live_opts: dict[str, Any], parameters: tuple[str, ...] = ()
) -> Inventory:
    if live == bool(inputs):
        raise UsageError("give INPUT files or --live (not both, not neither)")
    if inputs:
        from ecsguard.collect.load import load_inputs, parse_parameters

        return load_inputs(inputs, parse_parameters(parameters))
    from ecsguard.collect import aws
    from ecsguard.collect.snapshot import load_snapshot
    from ecsguard.model import InventoryBuilder

    regions = live_opts.get("regions")
    snapshot = aws.collect(
        aws.CollectOptions(
            regions=None if regions in (None, "all") else tuple(regions.split(",")),
            profile=live_opts.get("profile"),
            endpoint_url=live_opts.get("endpoint_url") or None,
            all_revisions=bool(live_opts.get("all_revisions")),
        )
    )
    import orjson

    # the collector's dict holds datetimes; a snapshot file holds their JSON form
    snapshot = orjson.loads(orjson.dumps(snapshot, default=str))
    builder = InventoryBuilder()
    load_snapshot(snapshot, "live", builder, plain=True)
    return builder.build()


def render(result: ScanResult, fmt: str, frameworks: tuple[str, ...], inv: Inventory) -> str:
    if fmt == "json":
        from ecsguard.posture.jsonout import render_json

        return render_json(result)
    try:
        from ecsguard import report
    except ImportError:
        raise UsageError(f"format {fmt} needs ecsguard.report, which is not installed") from None
    return report.render(
        result,
        fmt,
        frameworks=list(frameworks) or None,
        account_id=inv.account_id,
        color=fmt == "table" and sys.stdout.isatty(),
    )


@click.command("scan")
@click.argument("inputs", nargs=-1, metavar="INPUT...")
@click.option("--live", is_flag=True, help="Collect from AWS now instead of reading INPUT files.")
@click.option("--regions", metavar="r1,r2|all", help="With --live: regions to read.")
@click.option("--profile", help="With --live: AWS profile.")
@click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL", help="With --live: endpoint (moto).")
@click.option(
    "--framework",
    "frameworks",
    multiple=True,
    metavar="ID",
    help="Only checks mapped to this framework (repeatable).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("-o", "--output", default="-", help="Output file (default stdout).")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Exit 1 when a failing (or undetermined) finding is at or above this severity [default: info].",
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="List only failing and undetermined findings (json, sarif, asff, ocsf, csv); "
    "the summary still counts every result.",
)
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    help="ecsguard.toml (default ./ecsguard.toml if present).",
)
@click.option(
    "--all-revisions",
    is_flag=True,
    help="Judge every task-definition revision, not only the latest ACTIVE one per family.",
)
@click.option("--legacy", is_flag=True, help="Also run retired controls (Security Hub ECS.1).")
@click.option(
    "--check",
    "only",
    multiple=True,
    metavar="ID",
    help="Run only this check id or prefix (repeatable).",
)
@click.option(
    "--skip-check",
    "skip",
    multiple=True,
    metavar="ID",
    help="Skip this check id or prefix (repeatable).",
)
@click.option(
    "--scope",
    "scope_path",
    metavar="SCOPE.json",
    help="Scope report: mark findings with their PCI category.",
)
@click.option(
    "--cde-only", is_flag=True, help="With --scope: keep only findings on CDE components."
)
@click.option(
    "--parameter",
    "parameters",
    multiple=True,
    metavar="KEY=VALUE",
    help="CloudFormation parameter value (repeatable).",
)
@click.option(
    "--db",
    envvar="ECSGUARD_DB",
    default=None,
    help="Record the run and its findings in the history store.",
)
@click.option(
    "--sink",
    "sinks",
    multiple=True,
    metavar="SPEC",
    help="cloudwatch:/log/group[/stream] or securityhub (repeatable).",
)
@click.pass_context
def scan(ctx: click.Context, /, **options: Any) -> None:
    """Judge ECS posture: every check over every resource of the INPUTs (snapshot, CloudFormation,
    Terraform plan, task definition) or of a live account."""
    if options["cde_only"] and not options["scope_path"]:
        raise UsageError("--cde-only needs --scope SCOPE.json")
    if options["quiet"] and options["fmt"] in ("table", "html"):
        raise UsageError(
            f"--quiet applies to finding lists (json, sarif, asff, ocsf, csv); the {options['fmt']}"
            " report needs every result to judge framework requirements"
        )
    # a batch run of many small acyclic objects: refcounting frees them, the cyclic GC only
    # costs time (restored afterwards for callers that run the CLI in-process)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        code = _scan(**options)
    finally:
        if was_enabled:
            gc.enable()
    ctx.exit(code)


def _scan(
    *,
    inputs: tuple[str, ...],
    live: bool,
    regions: str | None,
    profile: str | None,
    endpoint_url: str | None,
    frameworks: tuple[str, ...],
    fmt: str,
    output: str,
    fail_on: str | None,
    quiet: bool,
    config_path: str | None,
    all_revisions: bool,
    legacy: bool,
    only: tuple[str, ...],
    skip: tuple[str, ...],
    scope_path: str | None,
    cde_only: bool,
    parameters: tuple[str, ...] = (),
    db: str | None = None,
    sinks: tuple[str, ...] = (),
) -> int:
    from ecsguard.posture.run import RunRequest, exit_code, run_scan
    from ecsguard.posture.scope_marks import load_scope_categories

    if sinks:  # boto3 is imported only when something is sent
        from ecsguard.sinks.results import check_specs

        check_specs(sinks)
    config = load_config(config_path)
    live_opts = {
        "regions": regions,
        "profile": profile,
        "endpoint_url": endpoint_url,
        "all_revisions": all_revisions,
    }
    inventory = _inventory(inputs, live, live_opts, parameters)
    request = RunRequest(
        all_revisions=all_revisions,
        legacy=legacy,
        only=only,
        skip=skip,
        frameworks=frameworks,
        scope=load_scope_categories(scope_path) if scope_path else None,
        cde_only=cde_only,
    )
    result = run_scan(inventory, config, request)
    shown = failing_only(result) if quiet else result
    if fmt == "json":
        from ecsguard.posture.jsonout import write_json

        _stream(lambda handle: write_json(shown, handle), output)
    else:
        _write(render(shown, fmt, frameworks, inventory), output)
    if db:
        from ecsguard.store import open_store

        with open_store(db) as store:
            run_id = store.record_run(inventory, source=",".join(inputs) or "live", kind="scan")
            store.record_findings(run_id, result)
        click.echo(f"ecsguard: recorded as run {run_id} in the store", err=True)
    if sinks:
        from ecsguard.sinks.results import send_scan

        send_scan(result, sinks, account_id=inventory.account_id, endpoint_url=endpoint_url)
    return exit_code(result, fail_on or config.posture.fail_on or "info")


def _stream(write: Callable[[BinaryIO], object], output: str) -> None:
    """Let ``write`` fill stdout (``-``) or the ``output`` file."""
    if output == "-":
        sys.stdout.flush()
        write(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    try:
        with open(output, "wb") as handle:
            write(handle)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


def _write(text: str | bytes | bytearray, output: str) -> None:
    data = text.encode() if isinstance(text, str) else text
    _stream(lambda handle: handle.write(data), output)


@click.command("checks")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("table", "json", "markdown")),
    default="table",
    show_default=True,
)
@click.option("--all", "show_all", is_flag=True, help="Include legacy (retired) checks.")
def checks(fmt: str, show_all: bool) -> None:
    """List the shipped posture checks with severity and equivalent controls of other tools."""
    from ecsguard.posture.catalogue import catalogue_json, catalogue_markdown, catalogue_table

    if fmt == "json":
        click.echo(catalogue_json(show_all))
    elif fmt == "markdown":
        click.echo(catalogue_markdown(), nl=False)
    else:
        click.echo(catalogue_table(show_all), nl=False)
