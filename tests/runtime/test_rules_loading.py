"""Loading Falco-format rules files: lists, macros, append/override, exceptions, skips, errors."""

from __future__ import annotations

from pathlib import Path

from ecsguard.runtime import load_engine
from ecsguard.runtime.examples import build_event

FALCO_STYLE = """
- required_engine_version: 0.57.0
- list: shell_binaries
  items: [bash, sh]
- list: shell_binaries
  items: [zsh]
  override:
    items: append
- macro: spawned_process
  condition: (evt.type in (execve, execveat) and evt.dir=<)
- macro: container
  condition: (container.id != host)
- macro: user_known_shell_spawn_activities
  condition: (never_true)
- macro: never_true
  condition: (evt.num=0)
- rule: Terminal shell in container
  desc: A shell was used as the entrypoint/exec point into a container with an attached terminal.
  condition: >
    spawned_process and container
    and proc.name in (shell_binaries)
    and proc.tty != 0
  output: A shell was spawned in a container with an attached terminal (user=%user.name %container.name)
  priority: NOTICE
  tags: [maturity_stable, container, shell, mitre_execution, T1059]
- rule: Shell under custom parent
  desc: shells
  condition: spawned_process and proc.name in (shell_binaries) and proc.pname = myapp
  output: "shell %proc.name under %proc.pname"
  priority: WARNING
  exceptions:
    - name: known_scripts
      fields: [proc.name, proc.cmdline]
      comps: [=, startswith]
      values:
        - [sh, "sh /opt/ok.sh"]
- rule: Shell under custom parent
  condition: and not proc.cmdline contains "--safe"
  append: true
- rule: Kubernetes only
  desc: uses a field we do not provide
  condition: k8s.ns.name = default and spawned_process
  output: x
  priority: INFO
- rule: Disabled one
  desc: off
  condition: spawned_process
  output: x
  priority: INFO
  enabled: false
"""


def _exec(name: str, cmd: str, parent: str = "myapp", tty: int = 0) -> dict[str, object]:
    return build_event(
        {
            "class_uid": 1007,
            "process": {"name": name, "cmd_line": cmd, "tty": tty},
            "actor": {"process": {"name": parent}},
        }
    )


def test_falco_style_file_loads_and_matches(tmp_path: Path) -> None:
    rules = tmp_path / "falco_rules.yaml"
    rules.write_text(FALCO_STYLE)
    engine = load_engine([rules], include_default=False)
    assert engine.problems == []
    names = [r.rule.name for r in engine.rules]
    assert names == ["Terminal shell in container", "Shell under custom parent"]
    assert any("k8s.ns.name" in w and "1 rule" in w for w in engine.program.warnings)
    # appended list item, macros, exceptions and appended condition all apply
    assert [a.rule_id for a in engine.process(_exec("zsh", "zsh -i"))] == []  # held by aggregation
    hits = [a.rule_id for a in engine.flush()]
    assert hits == ["falco.shell_under_custom_parent"]
    assert not engine.process(_exec("sh", "sh /opt/ok.sh --x")) and not engine.flush()
    assert not engine.process(_exec("sh", "sh run --safe")) and not engine.flush()
    engine.process(_exec("bash", "bash", parent="sshd", tty=34816))
    assert [a.title for a in engine.flush()] == ["Terminal shell in container"]


def test_override_replace_and_enable(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(FALCO_STYLE)
    (tmp_path / "b.yaml").write_text(
        "- rule: Terminal shell in container\n  enabled: false\n"
        "- rule: Shell under custom parent\n  condition: spawned_process and proc.name = never\n"
        "  override:\n    condition: replace\n"
    )
    engine = load_engine([tmp_path], include_default=False)
    assert [r.rule.name for r in engine.rules] == ["Shell under custom parent"]
    assert "proc.name = never" in engine.rules[0].rule.condition


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "- rule: Broken\n  desc: x\n  condition: proc.name = bash and (proc.pid > 1\n  output: x\n  priority: INFO\n"
        "- rule: Fine\n  desc: x\n  condition: proc.name = ok\n  output: x\n  priority: INFO\n"
    )
    engine = load_engine([bad], include_default=False)
    assert [r.rule.name for r in engine.rules] == ["Fine"]
    (problem,) = engine.problems
    assert (problem.file, problem.line) == (str(bad), 3)
    assert problem.col == 14 + len("proc.name = bash and (proc.pid > 1")
    assert "expected ')'" in str(problem)


def test_yaml_error_and_undefined_macro(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("- rule: X\n  condition: [unclosed\n")
    (tmp_path / "b.yaml").write_text(
        "- rule: Y\n  desc: y\n  condition: spawned and proc.name = x\n  output: y\n  priority: INFO\n"
    )
    engine = load_engine([tmp_path], include_default=False)
    messages = sorted(str(p) for p in engine.problems)
    assert messages[0].startswith(f"{tmp_path / 'a.yaml'}:") and "YAML syntax error" in messages[0]
    assert (
        messages[1].startswith(f"{tmp_path / 'b.yaml'}:3:14:")
        and "undefined macro 'spawned'" in messages[1]
    )


def test_user_rules_extend_shipped_rules(tmp_path: Path) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text("- rule: Offensive security tool launched\n  enabled: false\n")
    engine = load_engine([extra])
    assert "ecsguard.exec.offensive_tool" not in {r.rule.id for r in engine.rules}


def test_quoted_list_items_and_falco_field_forms(tmp_path: Path) -> None:
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "- list: login_binaries\n  items: [login, '\"(systemd)\"', su]\n"
        '- macro: proc_name_exists\n  condition: (proc.name!="<NA>")\n'
        "- rule: Odd names\n  desc: d\n  condition: evt.type = execve and proc_name_exists and proc.name in (login_binaries)"
        " and proc.aname[2] != x and fd.num=-1 or (evt.type=openat and fd.num>=0 and evt.res startswith S and fd.name=/x)\n"
        "  output: '%proc.name %container.info'\n  priority: INFO\n"
    )
    engine = load_engine([rules], include_default=False, window_ms=0)
    assert engine.problems == [] and engine.program.warnings == []
    hit = engine.process(
        build_event({"class_uid": 1001, "activity_id": 14, "file": {"path": "/x"}})
    )
    assert [a.detail for a in hit] == ["sh <NA>"]
    assert engine.process(_exec("(systemd)", "x")) == []  # fd.num=-1 never holds for a process


def test_bare_words_with_brackets_and_spacing_forms(tmp_path: Path) -> None:
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "- macro: entry\n  condition: (not proc.pname exists or proc.pname in (runc:[0:PARENT], runc:[1:CHILD], runc))\n"
        '- rule: Shell at entry\n  desc: d\n  condition: >\n    evt.type=execve and entry and proc.cmdline= "sh -s unix:cmd"\n'
        '    and not proc.pname in ("puma reactor", google_oslogin_)\n  output: x\n  priority: NOTICE\n'
    )
    engine = load_engine([rules], include_default=False, window_ms=0)
    assert engine.problems == []
    assert engine.process(_exec("sh", "sh -s unix:cmd", parent="runc:[1:CHILD]"))
    assert not engine.process(_exec("sh", "sh -s unix:cmd", parent="java"))


def test_falco_drift_ptrace_and_outbound_forms_run_on_our_events(tmp_path: Path) -> None:
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "- list: rfc_1918_addresses\n  items: ['\"10.0.0.0/8\"', '\"172.16.0.0/12\"', '\"192.168.0.0/16\"']\n"
        "- macro: outbound\n  condition: >\n    (((evt.type = connect and evt.dir=<)) and (fd.typechar = 4 or fd.typechar = 6) and\n"
        '     (fd.ip != "0.0.0.0" and fd.net != "127.0.0.0/8" and not fd.snet in (rfc_1918_addresses)))\n'
        "- rule: Drop and execute\n  desc: d\n  condition: evt.type = execve and container and proc.is_exe_upper_layer=true\n"
        "  output: x\n  priority: CRITICAL\n"
        "- rule: Ptrace attach\n  desc: d\n  condition: evt.type=ptrace and evt.dir=> and evt.arg.request contains PTRACE_ATTACH\n"
        "  output: x\n  priority: WARNING\n"
        "- rule: Out\n  desc: d\n  condition: outbound and fd.sport = 443\n  output: x\n  priority: NOTICE\n"
        "- macro: container\n  condition: (container.id != host)\n"
    )
    engine = load_engine([rules], include_default=False, window_ms=0)
    assert engine.problems == [] and engine.program.warnings == []
    write = build_event({"class_uid": 1001, "activity_id": 1, "file": {"path": "/tmp/d"}})
    drop = build_event({"class_uid": 1007, "process": {"name": "d", "file": {"path": "/tmp/d"}}}, 1)
    ptrace = build_event(
        {
            "class_uid": 1007,
            "activity_id": 4,
            "process": {"name": "i"},
            "unmapped": {"syscall": "ptrace", "ptrace_request": "PTRACE_ATTACH"},
        },
        2,
    )
    out = build_event(
        {
            "class_uid": 4001,
            "dst_endpoint": {"ip": "198.51.100.1", "port": 443},
            "connection_info": {"direction_id": 2},
        },
        3,
    )
    inside = build_event(
        {
            "class_uid": 4001,
            "dst_endpoint": {"ip": "10.0.0.9", "port": 443},
            "connection_info": {"direction_id": 2},
        },
        4,
    )
    titles = [a.title for ev in (write, drop, ptrace, out, inside) for a in engine.process(ev)]
    assert titles == ["Drop and execute", "Ptrace attach", "Out"]
