"""``ecsguard report`` (the assessor's evidence pack) and ``ecsguard frameworks`` (what ships)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
import msgspec
import orjson

from ecsguard.errors import InputError
from ecsguard.frameworks import get_framework, load_attestations, load_frameworks
from ecsguard.posture.result import Finding, ScanResult


@click.command("report")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--framework", "framework_id", required=True, help="Framework id, e.g. pci-dss-4.0.")
@click.option(
    "-o", "--output", default="-", show_default=True, help="File to write ('-' = stdout)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "json"]),
    default=None,
    help="Default: json for a .json output file, else html.",
)
@click.option("--attestations", type=click.Path(dir_okay=False), help="Manual attestations YAML.")
@click.option(
    "--launch-type",
    type=click.Choice(["fargate", "ec2"]),
    help="Resolve ownership for an estate that runs only on this launch type.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="ecsguard.toml used when INPUT has to be scanned.",
)
@click.option(
    "--scope",
    "scope_path",
    type=click.Path(dir_okay=False),
    help="`ecsguard scope --format json` output.",
)
def report(
    input_path: str,
    framework_id: str,
    output: str,
    fmt: str | None,
    attestations: str | None,
    launch_type: str | None,
    config_path: str | None,
    scope_path: str | None,
) -> None:
    """Build the evidence pack for one framework from INPUT.

    INPUT is the output of `ecsguard scan --format json`, or anything `ecsguard scan` reads
    (snapshot, CloudFormation, Terraform plan, task definition), which is scanned first.
    """
    from ecsguard.report.evidence import build_evidence_pack
    from ecsguard.report.html import render_evidence_html

    framework = get_framework(framework_id)
    result = load_result(input_path, framework.id, config_path)
    attested = load_attestations(attestations) if attestations else []
    scope = _read_json(scope_path) if scope_path else None
    if scope is not None and not isinstance(scope, dict):
        raise InputError(str(scope_path), None, "not a scope report (expected a JSON object)")
    pack = build_evidence_pack(
        result, framework, attestations=attested, scope_report=scope, launch_type=launch_type
    )
    chosen = fmt or ("json" if output.endswith(".json") else "html")
    if chosen == "json":
        text = orjson.dumps(pack.to_dict(), option=orjson.OPT_INDENT_2).decode() + "\n"
    else:
        text = render_evidence_html(pack)
    _write(output, text)


def load_result(path: str, framework_id: str, config_path: str | None = None) -> ScanResult:
    """A §3.3 scan-result document, or any scan input run through the posture engine."""
    data = _read_json(path) if _looks_like_json(path) else None
    if isinstance(data, dict) and "results" in data and "tool" in data:
        return _result_from_doc(data, path)
    return _scan(path, framework_id, config_path)


def _looks_like_json(path: str) -> bool:
    if path == "-":
        return True
    try:
        with open(path, "rb") as handle:
            head = handle.read(64).lstrip()
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror or exc}") from exc
    return head.startswith((b"{", b"["))


def _read_json(path: str) -> Any:
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror or exc}") from exc
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InputError(path, f"byte {exc.pos}", f"not valid JSON: {exc.msg}") from exc


def _result_from_doc(doc: dict[str, Any], path: str) -> ScanResult:
    try:
        findings = msgspec.convert(_drop_nulls(doc.get("results") or []), list[Finding])
    except msgspec.ValidationError as exc:
        raise InputError(path, None, f"not an ecsguard scan result: {exc}") from exc
    tool: dict[str, Any] = doc["tool"] if isinstance(doc.get("tool"), dict) else {}
    return ScanResult(
        tool_version=str(tool.get("version", "")),
        inputs=[str(i) for i in doc.get("inputs") or [path]],
        results=findings,
        notes=[str(n) for n in doc.get("notes") or []],
    )


def _drop_nulls(value: Any) -> Any:
    # `"name": null` and the like mean "absent": let the struct defaults apply.
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None or k == "value"}
    if isinstance(value, list):
        return [_drop_nulls(item) for item in value]
    return value


def _scan(path: str, framework_id: str, config_path: str | None) -> ScanResult:
    """Run the posture engine over a scan input, limited to the framework's checks."""
    if path == "-":
        raise InputError(
            path, None, "standard input must be an `ecsguard scan --format json` result"
        )
    from ecsguard.collect.load import load_inputs
    from ecsguard.config import load_config
    from ecsguard.posture.run import RunRequest, run_scan

    inventory = load_inputs((path,))
    return run_scan(inventory, load_config(config_path), RunRequest(frameworks=(framework_id,)))


def _write(output: str, text: str) -> None:
    if output == "-":
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(output, None, f"cannot write: {exc.strerror or exc}") from exc


@click.command("frameworks")
@click.argument("framework_id", required=False)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def frameworks(framework_id: str | None, fmt: str) -> None:
    """List shipped frameworks, or one framework's requirements with owners and checks."""
    if framework_id:
        _show_framework(framework_id, fmt)
        return
    rows = [
        {
            "id": fw.id,
            "name": fw.name,
            "version": fw.version,
            "requirements": len(fw.requirements),
            "automated": sum(1 for r in fw.requirements if r.checks),
            "manual": sum(1 for r in fw.requirements if r.manual),
            "scope": sum(1 for r in fw.requirements if r.scope),
            "checks": len(fw.check_ids()),
        }
        for fw in load_frameworks().values()
    ]
    if fmt == "json":
        click.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return
    header = f"{'id':<26} {'requirements':>12} {'automated':>9} {'manual':>6} {'scope':>5} {'checks':>6}  name"
    click.echo(header)
    for row in rows:
        click.echo(
            f"{row['id']:<26} {row['requirements']:>12} {row['automated']:>9} {row['manual']:>6} "
            f"{row['scope']:>5} {row['checks']:>6}  {row['name']} {row['version']}"
        )


def _show_framework(framework_id: str, fmt: str) -> None:
    framework = get_framework(framework_id)
    if fmt == "json":
        click.echo(
            orjson.dumps(msgspec.to_builtins(framework), option=orjson.OPT_INDENT_2).decode()
        )
        return
    click.echo(f"{framework.name} {framework.version} ({framework.id}): {framework.source}")
    for req in framework.requirements:
        owners = ", ".join(f"{lt}: {own}" for lt, own in req.launch_types.items())
        marks = "".join(m for m, on in (("M", req.manual), ("S", bool(req.scope))) if on)
        click.echo(f"  {req.id:<22} {req.ownership:<8} {marks:<2} {req.title}")
        if owners:
            click.echo(f"  {'':<22} launch types: {owners}")
        for mapping in req.checks:
            click.echo(f"  {'':<22} - {mapping.check} [{mapping.provenance}]")
