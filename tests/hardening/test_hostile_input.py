"""Hostile files through the real CLI (subprocesses): every one is refused with one line naming
the file (exit 2) or handled, never a traceback, never a hang (the subprocess timeout is the
only clock here; nothing is timed). In-process loader cases live in tests/loaders and
tests/fuzz; these prove the same through the command a user runs."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hlib import Result, cli, invoke, no_traceback

from ecsguard.runtime.examples import build_event

MINER = build_event(
    {
        "class_uid": 1007,
        "process": {"name": "xmrig", "cmd_line": "xmrig -o stratum+tcp://198.51.100.9:3333"},
        "actor": {"process": {"name": "sh"}},
    }
)


def _refused(result: Result, path: Path) -> None:
    """Exit 2 with a single `ecsguard: error: FILE...` line and nothing on stdout."""
    no_traceback(result)
    err = result.stderr.decode("utf-8", "replace").strip()
    assert result.code == 2, (result.code, err[-2000:])
    assert err.startswith("ecsguard: error: ") and str(path.name) in err, err[-2000:]
    assert err.count("\n") == 0, err[-2000:]


def _billion_laughs(levels: int = 10) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, levels):
        refs = ",".join([f"*a{n - 1}"] * 10)
        lines.append(f"a{n}: &a{n} [{refs}]")
    lines.append("AWSTemplateFormatVersion: '2010-09-09'")
    lines.append(
        f"Resources: {{Bomb: {{Type: 'AWS::ECS::Cluster', Properties: {{Tags: *a{levels - 1}}}}}}}"
    )
    return "\n".join(lines) + "\n"


def _deep_yaml(depth: int) -> str:
    inner = "[" * depth + "]" * depth
    return (
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  C:\n    Type: AWS::ECS::Cluster\n"
        f"    Properties:\n      Tags: {inner}\n"
    )


def _deep_json(depth: int) -> str:
    inner = '{"a":' * depth + "1" + "}" * depth
    return (
        '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"C": {"Type": '
        f'"AWS::ECS::Cluster", "Properties": {{"ClusterSettings": {inner}}}}}}}}}'
    )


HOSTILE_TEMPLATES = {
    "alias-bomb.yaml": _billion_laughs().encode(),
    "deep.yaml": _deep_yaml(10_000).encode(),
    "deep.json": _deep_json(10_000).encode(),
    "nul.yaml": b"AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A\x00B:\n    Type: x\n",
    "invalid-utf8.yaml": b"AWSTemplateFormatVersion: '2010-09-09'\nResources: {C: {Type: \xff\xfe\xc3}}\n",
    "invalid-utf8.json": b'{"family": "\xc3\x28", "containerDefinitions": []}',
    "empty.json": b"",
    "binary.json": bytes(range(256)) * 64,
}


@pytest.mark.parametrize("name", sorted(HOSTILE_TEMPLATES))
def test_hostile_file_is_refused_in_one_line(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(HOSTILE_TEMPLATES[name])
    _refused(cli("scan", str(path), timeout=120), path)  # a real process, as a user runs it
    for command in ("scope", "inventory", "report"):  # the other readers, in-process
        args = ("--framework", "pci-dss-4.0") if command == "report" else ()
        _refused(invoke(command, str(path), *args), path)


def test_hundred_megabyte_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as out:
        out.write(b'{"AWSTemplateFormatVersion": "2010-09-09", "Description": "')
        chunk = b"x" * (1 << 20)
        for _ in range(100):
            out.write(chunk)
        out.write(b'", "Resources": {}}')
    assert path.stat().st_size > 100 * 1024 * 1024
    try:
        _refused(cli("scan", str(path), "--format", "json", timeout=120), path)
    finally:
        path.unlink()  # pytest keeps recent temp dirs; do not keep 100 MB in them


def test_nul_bytes_and_escapes_in_an_event_stream(tmp_path: Path) -> None:
    """A stream with a NUL-laden line, invalid UTF-8 and a 10 MB single line: monitor counts
    them as malformed, goes on, and still alerts on the good event after them."""
    src = tmp_path / "events.jsonl"
    huge = b'{"class_uid": 1007, "process": {"cmd_line": "' + b"A" * (10 * 1024 * 1024) + b'"}}'
    lines = [b'{"class_uid":\x00 1007}', b"\xff\xfe{not utf-8", huge, orjson.dumps(MINER)]
    src.write_bytes(b"\n".join(lines) + b"\n")
    result = cli("monitor", "--source", f"file:{src}", "--window", "0", timeout=120)
    no_traceback(result)
    assert result.code == 0, result.text[-2000:]
    alerts = [orjson.loads(x) for x in result.stdout.splitlines()]
    assert [a["finding_type"] for a in alerts] == ["Impact:Runtime/CryptoMinerExecuted"]
    assert len(result.stderr) < 10_000  # the 10 MB line is named, not echoed
    summary = result.stderr.decode().strip().splitlines()[-1]
    assert "1 events, 3 malformed" in summary, summary
    assert f"{src}:3:" in result.stderr.decode()


def test_ten_megabyte_line_on_stdin(tmp_path: Path) -> None:
    huge = b'{"class_uid": 1007, "process": {"name": "' + b"B" * (10 * 1024 * 1024) + b'"}}'
    stream = huge + b"\n" + orjson.dumps(MINER) + b"\n"
    result = cli("monitor", "--source", "-", "--window", "0", stdin=stream, timeout=120)
    no_traceback(result)
    assert result.code == 0
    assert b"CryptoMinerExecuted" in result.stdout


def _events_with(tmp_path: Path, *cmdlines: str) -> Path:
    lines = []
    for n, cmd in enumerate(cmdlines):
        event = build_event(
            {
                "class_uid": 1007,
                "process": {"name": "sh", "cmd_line": cmd},
                "actor": {"process": {"name": "bash"}},
            }
        )
        event["metadata"]["uid"] = f"long-{n}"
        lines.append(orjson.dumps(event))
    src = tmp_path / "e.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    return src


def _rule(tmp_path: Path, pattern: str) -> Path:
    rules = tmp_path / "rule.yaml"
    rules.write_text(
        "- rule: Regex probe\n"
        "  desc: a user rule with a regular expression\n"
        f'  condition: evt.type = execve and proc.cmdline regex "{pattern}"\n'
        "  output: probe %proc.cmdline\n"
        "  priority: WARNING\n"
    )
    return rules


def _monitor(src: Path, rules: Path, timeout: float) -> list[dict[str, object]]:
    result = cli(
        "monitor", "--source", f"file:{src}", "--rules", str(rules), "--no-default-rules",
        "--window", "0", timeout=timeout,
    )  # fmt: skip
    no_traceback(result)
    assert result.code == 0, result.text[-2000:]
    return [orjson.loads(x) for x in result.stdout.splitlines()]


def test_catastrophic_regex_in_a_user_rule(tmp_path: Path) -> None:
    """`(a+)+$` against `aaaa…!` is exponential for backtracking engines; rules compile to re2,
    which is linear, so monitor finishes (within the subprocess timeout) and still matches
    where it should."""
    src = _events_with(tmp_path, "a" * 100_000 + "!", "a" * 50)
    alerts = _monitor(src, _rule(tmp_path, "(a+)+$"), timeout=60)
    assert [a["event_uids"] for a in alerts] == [["long-1"]]


def test_long_command_lines_in_alerts(tmp_path: Path) -> None:
    """Alerts on very long, adversarial command lines (each shaped to make a backtracking
    secret pattern rescan from every position) still come out, redacted, within the
    subprocess timeout: redaction is linear too."""
    shapes = ["a" * 100_000 + "b", "-a" * 50_000, "-password" * 10_000, "a://" + "b:" * 50_000,
              "-p" * 50_000, "token: " * 15_000 + "x", "password_" * 10_000]  # fmt: skip
    src = _events_with(tmp_path, *shapes)
    rules = tmp_path / "any-sh.yaml"
    rules.write_text(
        "- rule: Any shell\n  desc: every sh launch\n"
        "  condition: evt.type = execve and proc.name = sh\n"
        "  output: sh %proc.cmdline\n  priority: NOTICE\n"
    )
    alerts = _monitor(src, rules, timeout=60)
    assert sorted(uid for a in alerts for uid in a["event_uids"]) == sorted(
        f"long-{n}" for n in range(len(shapes))
    )
