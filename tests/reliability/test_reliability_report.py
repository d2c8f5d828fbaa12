"""tests/tools/reliability_report.py: the report docs/reliability.md is built from, and checked against."""

import json
import os
import shutil
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "tools"))

import reliability_report as report  # noqa: E402  pylint: disable=wrong-import-position

FIXTURES = os.path.join(HERE, "fixtures")
CASES = [{"id": "a_case", "entry": "filter", "filter": "requirements", "expect": ["field x"]},
         {"id": "b_case", "entry": "module", "module": "ufw_ruleset", "expect": ["rules[0]"]}]
MESSAGES = {"a_case": "profile p, field x: bad | worse", "b_case": "rules[0] (id r).args: <tmp>/x is wrong"}


def test_fault_records_become_rows_sorted_by_backend():
    records = report.load_faults(os.path.join(FIXTURES, "faults"))
    assert [r["backend"] for r in records] == ["nftables", "ufw"]
    text = report.build(CASES, MESSAGES, records)
    lines = text.splitlines()
    assert "| nftables | backend command fails half way | nft replaced by a wrapper that exits 1 after the transaction " \
           "file is read | old | no | table inet netreq lists the old rules; tcp/443 to 198.51.100.20 still answered |" in lines
    # pipes are escaped and <...> stays visible in Markdown
    assert "| ufw | reload fails \\| after the files are written | ufw reload made to exit 1 once | old | no | " \
           "user.rules byte-identical to the backup; probe &lt;198.51.100.20:443&gt; refused as before |" in lines
    assert "Faults per backend: nftables 1, ufw 1." in text
    assert lines[-1] == "2 bad inputs, 2 injected faults, 0 half-applied"


def test_bad_inputs_rows_carry_the_messages():
    lines = report.build(CASES, MESSAGES, []).splitlines()
    assert "| 1 | a_case | filter requirements | profile p, field x: bad \\| worse |" in lines
    assert "| 2 | b_case | module ufw_ruleset | rules[0] (id r).args: &lt;tmp&gt;/x is wrong |" in lines
    assert any(line.startswith("No fault records were found") for line in lines)
    assert lines[-1] == "2 bad inputs, 0 injected faults, 0 half-applied"


def test_a_half_applied_fault_is_named_in_the_summary_and_fails_the_check(tmp_path, monkeypatch, capsys):
    records = report.load_faults(os.path.join(FIXTURES, "faults_half"))
    line = report.build(CASES, MESSAGES, records).splitlines()[-1]
    assert line == "2 bad inputs, 1 injected faults, 1 half-applied (HALF-APPLIED: firewalld module killed during apply)"
    assert "| firewalld | module killed during apply | SIGKILL after the policy XML was written | new | **yes** |" in \
        report.build(CASES, MESSAGES, records)
    monkeypatch.setattr(report.bad_inputs, "load_cases", lambda: CASES)
    monkeypatch.setattr(report.bad_inputs, "run_cases", lambda cases: MESSAGES)
    out = str(tmp_path / "reliability.md")
    faults = os.path.join(FIXTURES, "faults_half")
    assert report.main(["--faults", faults, "--output", out]) == 0
    assert report.main(["--faults", faults, "--output", out, "--check"]) == 1
    assert "1 half-applied (HALF-APPLIED" in capsys.readouterr().out


def test_check_finds_a_stale_file_and_without_faults_checks_only_the_bad_inputs(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(report.bad_inputs, "load_cases", lambda: CASES)
    monkeypatch.setattr(report.bad_inputs, "run_cases", lambda cases: MESSAGES)
    faults = tmp_path / "faults"
    shutil.copytree(os.path.join(FIXTURES, "faults"), str(faults))
    out = str(tmp_path / "reliability.md")
    assert report.main(["--faults", str(faults), "--output", out]) == 0
    assert report.main(["--faults", str(faults), "--output", out, "--check"]) == 0
    # a fault record more: the committed file is stale
    (faults / "nftables_reload.json").write_text(json.dumps(dict(
        backend="nftables", fault="kernel rejects a rule", injected="x", state_after="old", evidence="y", half_applied=False)))
    assert report.main(["--faults", str(faults), "--output", out, "--check"]) == 1
    assert "is stale" in capsys.readouterr().out
    # no records at all: only the bad-input section is compared, and the step says so
    empty = tmp_path / "empty"
    empty.mkdir()
    assert report.main(["--faults", str(empty), "--output", out, "--check"]) == 0
    assert "cannot be checked" in capsys.readouterr().out
    # ... but a changed message is still found
    monkeypatch.setattr(report.bad_inputs, "run_cases", lambda cases: dict(MESSAGES, a_case="profile p, field x: other"))
    assert report.main(["--faults", str(empty), "--output", out, "--check"]) == 1


@pytest.mark.parametrize("record, fragment", [
    ({"backend": "ufw"}, "missing fault, injected, state_after, evidence, half_applied"),
    (dict(backend="ufw", fault="f", injected="i", state_after="half", evidence="e", half_applied=False), "state_after must be"),
    (dict(backend="ufw", fault="f", injected="i", state_after="old", evidence="e", half_applied="no"), "half_applied must be"),
    (dict(backend="ufw", fault="f", injected="i", state_after="old", evidence="e", half_applied=False, when="now"), "unknown when"),
])
def test_bad_fault_records_are_refused_naming_the_file(tmp_path, record, fragment):
    (tmp_path / "bad.json").write_text(json.dumps(record))
    with pytest.raises(report.ReportError, match="fault record bad.json") as info:
        report.load_faults(str(tmp_path))
    assert fragment in str(info.value)


def test_a_case_that_is_accepted_stops_the_report():
    with pytest.raises(report.ReportError, match="a_case was not refused"):
        report.build(CASES, dict(MESSAGES, a_case=None), [])


def test_the_committed_bad_input_section_is_fresh(bad_input_messages):
    """docs/reliability.md lists exactly the messages the cases give now (regenerate with the tool)."""
    cases = report.bad_inputs.load_cases()
    generated = report.section(report.build(cases, bad_input_messages, []), report.BAD_INPUTS_HEADING)
    with open(report.DOC, encoding="utf-8") as stream:
        committed = report.section(stream.read(), report.BAD_INPUTS_HEADING)
    assert report.compare(generated, committed, "docs/reliability.md") == [], \
        "docs/reliability.md is stale: python tests/tools/reliability_report.py"
