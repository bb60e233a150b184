"""``ecsguard collect``: read a live AWS account into a snapshot file.

Exit codes: 0 complete; 3 partial (the snapshot is written, and ``errors`` lists every call
that failed); 2 bad usage.
"""

from __future__ import annotations

import base64
import os
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import orjson

from ecsguard.collect import aws
from ecsguard.collect.aws_faults import faults_from_env, parse_faults
from ecsguard.collect.aws_permissions import policy_document
from ecsguard.errors import InputError

EXIT_PARTIAL = 3


def _regions(value: str | None) -> tuple[str, ...] | None:
    if value is None or value.strip().lower() == "all":
        return None
    regions = tuple(dict.fromkeys(r.strip() for r in value.split(",") if r.strip()))
    return regions or None


def check_writable(output: str) -> None:
    """Fail before collecting, not after, when the snapshot cannot be written."""
    if output == "-":
        return
    parent = Path(output).resolve().parent
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise InputError(
            output, None, f"cannot write the snapshot: {parent} is not a writable directory"
        )


def _json_default(value: Any) -> Any:
    """Types boto3 may hand back that JSON lacks: blobs as base64, sets as sorted lists."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def write_snapshot(snapshot: dict[str, Any], output: str, indent: bool) -> None:
    """Write atomically (temp file in the same directory, then rename), or to stdout for ``-``."""
    option = orjson.OPT_INDENT_2 if indent else 0
    data = orjson.dumps(snapshot, default=_json_default, option=option | orjson.OPT_APPEND_NEWLINE)
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target = Path(output)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise InputError(output, None, f"cannot write the snapshot: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _RichProgress:
    """One bar over all (region, service) jobs, on stderr; only used when stderr is a TTY."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._progress = Progress(
            TextColumn("[bold]collect[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=Console(stderr=True),
            transient=True,
        )
        self._task = self._progress.add_task("", total=None)

    def __enter__(self) -> _RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._progress.stop()

    def planned(self, jobs: int) -> None:
        self._progress.update(self._task, total=jobs)

    def done(self, region: str, service: str) -> None:
        self._progress.update(self._task, advance=1, description=f"{region} {service}")


def summary_lines(snapshot: dict[str, Any]) -> list[str]:
    """What was read and, when partial, what is missing: one line per region, service and
    operation, naming up to three resources and the first failure's message."""
    errors = snapshot.get("errors") or []
    regions = ",".join(snapshot.get("regions", {}))
    lines = [f"collected {aws.count_resources(snapshot)} resources in {regions or 'no regions'}"]
    if not errors:
        return lines
    lines.append(f"partial: {len(errors)} calls failed; missing:")
    groups: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    for entry in errors:
        groups.setdefault((entry["region"], entry["service"], entry["operation"]), []).append(entry)
    for (region, service, operation), entries in sorted(groups.items()):
        names = [e["resource"] for e in entries if e["resource"] != "*"]
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        what = f" ({shown})" if shown else ""
        message = entries[0]["message"][:160]
        lines.append(f"  {region} {service}:{operation} x{len(entries)}{what}: {message}")
    return lines


@click.command("collect")
@click.option(
    "--regions", "regions", metavar="r1,r2|all", help="Regions to read (default: all enabled)."
)
@click.option("--profile", help="AWS profile from the shared config/credentials files.")
@click.option(
    "--endpoint-url",
    envvar="AWS_ENDPOINT_URL",
    show_envvar=True,
    help="Endpoint for every service (e.g. a moto server).",
)
@click.option(
    "-o", "--output", default="-", show_default=True, help="Snapshot file, or - for stdout."
)
@click.option(
    "--all-revisions", is_flag=True, help="Every ACTIVE and INACTIVE task definition revision."
)
@click.option(
    "--max-attempts",
    default=8,
    show_default=True,
    type=click.IntRange(1, 20),
    help="Attempts per call (adaptive retry).",
)
@click.option(
    "--workers",
    default=8,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Concurrent (region, service) jobs.",
)
@click.option("--indent", is_flag=True, help="Pretty-print the JSON.")
@click.option(
    "--print-policy", is_flag=True, help="Print the IAM policy the collector needs, and exit."
)
@click.option(
    "--db",
    envvar="ECSGUARD_DB",
    default=None,
    help="Also record this collection in the history store (SQLite path or PostgreSQL URL).",
)
@click.option("--fault", "fault", hidden=True, help="Fault spec for testing (see ECSGUARD_FAULTS).")
@click.pass_context
def collect_command(
    ctx: click.Context,
    regions: str | None,
    profile: str | None,
    endpoint_url: str | None,
    output: str,
    all_revisions: bool,
    max_attempts: int,
    workers: int,
    indent: bool,
    print_policy: bool,
    db: str | None,
    fault: str | None,
) -> None:
    """Read ECS and the services around it from AWS into a snapshot file.

    \b
    Exit codes: 0 complete; 3 partial (the snapshot is written and its
    "errors" list says what could not be read); 2 bad usage.
    """
    if print_policy:
        click.echo(policy_document())
        ctx.exit(0)
    check_writable(output)
    options = aws.CollectOptions(
        regions=_regions(regions),
        profile=profile,
        endpoint_url=endpoint_url or None,
        all_revisions=all_revisions,
        max_attempts=max_attempts,
        workers=workers,
        faults=parse_faults(fault) if fault else faults_from_env(),
    )
    if sys.stderr.isatty():
        with _RichProgress() as progress:
            snapshot = aws.collect(options, progress)
    else:
        snapshot = aws.collect(options)
    write_snapshot(snapshot, output, indent)
    if db:
        from ecsguard.store import open_store

        with open_store(db) as store:
            run_id = store.record_snapshot(snapshot, source=output)
        click.echo(f"recorded as run {run_id} in the store", err=True)
    for line in summary_lines(snapshot):
        click.echo(line, err=True)
    ctx.exit(EXIT_PARTIAL if snapshot["errors"] else 0)


collect = collect_command
