"""``write_json`` streams large documents: the bytes equal ``render_json_bytes`` exactly."""

from __future__ import annotations

import io

import orjson
import pytest

from ecsguard.posture import jsonout
from ecsguard.posture.jsonout import render_json_bytes, write_json
from ecsguard.posture.result import Evidence, Finding, ResourceRef, ScanResult


def _result(n: int, inputs: list[str]) -> ScanResult:
    findings = [
        Finding(
            id=f"{i:064x}",
            check_id="ecs.task_definition.no_privileged_containers",
            title="Containers do not run privileged",
            severity="high",
            status=("fail", "pass", "error")[i % 3],
            resource=ResourceRef(type="AWS::ECS::TaskDefinition", id=f"td-{i}", name=f"n{i}"),
            evidence=Evidence(path="containerDefinitions[0].privileged", value=i % 2 == 0),
            detail=f'detail "{i}" ]}}[',
            references={"securityhub": ["ECS.4"]},
            frameworks={"pci-dss-4.0": ["2.2.6"]},
        )
        for i in range(n)
    ]
    return ScanResult(tool_version="9.9", inputs=inputs, results=findings, notes=["a note"])


@pytest.mark.parametrize("n", [0, 1, 5_001, 8_192, 8_193, 12_000])
@pytest.mark.parametrize("chunk", [4096, 1000])
def test_streamed_bytes_equal_the_rendered_document(
    n: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonout, "CHUNK", chunk)
    # an input path that spells the frame's cut marker must not move the cut
    result = _result(n, ['plan "results":[] .json', "x.yaml"])
    sink = io.BytesIO()
    write_json(result, sink)
    assert sink.getvalue() == bytes(render_json_bytes(result))
    doc = orjson.loads(sink.getvalue())
    assert len(doc["results"]) == n and doc["inputs"][0] == 'plan "results":[] .json'
    assert doc["summary"]["fail"] == len([i for i in range(n) if i % 3 == 0])


def test_a_failing_sink_stops_the_stream() -> None:
    class Broken(io.BytesIO):
        def write(self, data: object) -> int:
            raise BrokenPipeError("reader went away")

    with pytest.raises(BrokenPipeError):
        write_json(_result(9_000, ["p.json"]), Broken())
