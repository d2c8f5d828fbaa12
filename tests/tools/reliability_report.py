#!/usr/bin/env python
"""Write (or check) docs/reliability.md: the bad inputs and the injected faults, as the tests found them.

    python tests/tools/reliability_report.py                 # rewrite docs/reliability.md
    python tests/tools/reliability_report.py --check         # exit 1 when it is stale
    python tests/tools/reliability_report.py --faults DIR    # fault records from DIR

Bad inputs: every case of tests/reliability/bad_inputs.yml is run through its
entry point (tests/reliability/bad_inputs.py) and listed with the message it
really produced; a case that is accepted, or whose message lacks an expected
fragment, stops the report.

Injected faults: one JSON file per fault in .build/reliability/faults/ (written
by the Molecule fault tests), with the keys backend, fault, injected,
state_after ("old" or "new"), evidence and half_applied (bool).

The report is deterministic (sorted, no timings, temporary paths replaced), so
--check can compare it with the committed file. With no fault records (the
Molecule step did not run) --check compares the bad-input section only and
says that the faults section could not be checked.
"""

from __future__ import annotations

import argparse
import difflib
import glob
import html
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests", "reliability"))

import bad_inputs  # noqa: E402  pylint: disable=wrong-import-position

DOC = os.path.join(REPO, "docs", "reliability.md")
FAULTS_DIR = os.path.join(REPO, ".build", "reliability", "faults")
FAULT_KEYS = ("backend", "fault", "injected", "state_after", "evidence", "half_applied")
BAD_INPUTS_HEADING = "## Bad inputs"
FAULTS_HEADING = "## Injected faults"


class ReportError(Exception):
    """The inputs of the report are wrong: a fault record or a bad-input case."""


def cell(text):
    """One Markdown table cell: pipes escaped, HTML-like text (``<tmp>``) shown as written."""
    return html.escape(" ".join(str(text).split()), quote=False).replace("|", "\\|")


def load_faults(directory):
    """The fault records of ``directory``, checked and sorted by backend, fault and file name."""
    records = []
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        name = os.path.basename(path)
        try:
            with open(path, encoding="utf-8") as stream:
                record = json.load(stream)
        except (OSError, ValueError) as exc:
            raise ReportError("fault record %s: not readable JSON (%s)" % (name, exc))
        if not isinstance(record, dict):
            raise ReportError("fault record %s: must be a JSON object with %s" % (name, ", ".join(FAULT_KEYS)))
        missing = [key for key in FAULT_KEYS if key not in record]
        unknown = sorted(set(record) - set(FAULT_KEYS))
        if missing or unknown:
            raise ReportError("fault record %s: missing %s; unknown %s" % (name, ", ".join(missing) or "none", ", ".join(unknown) or "none"))
        for key in ("backend", "fault", "injected", "evidence"):
            if not isinstance(record[key], str) or not record[key].strip():
                raise ReportError("fault record %s: %s must be a non-empty string" % (name, key))
        if record["state_after"] not in ("old", "new"):
            raise ReportError("fault record %s: state_after must be \"old\" or \"new\", got %r" % (name, record["state_after"]))
        if not isinstance(record["half_applied"], bool):
            raise ReportError("fault record %s: half_applied must be true or false" % name)
        records.append(dict(record, file=name))
    return sorted(records, key=lambda r: (r["backend"], r["fault"], r["file"]))


def bad_input_rows(cases, messages):
    """The table rows; refuses cases that were accepted or whose message lacks an expected fragment."""
    rows = []
    for number, case in enumerate(cases, 1):
        message = messages.get(case["id"])
        if message is None or message.startswith("UNHANDLED"):
            raise ReportError("bad input %s was not refused with a message: %s" % (case["id"], message))
        missing = [fragment for fragment in case["expect"] if fragment not in message]
        if missing:
            raise ReportError("bad input %s: message %r lacks %s" % (case["id"], message, missing))
        rows.append("| %d | %s | %s | %s |" % (number, cell(case["id"]), cell(bad_inputs.entry_label(case)), cell(message)))
    return rows


def bad_inputs_section(cases, messages):
    lines = [BAD_INPUTS_HEADING, "",
             "Each input below was run through its entry point by `tests/reliability/test_bad_inputs.py` (cases in "
             "`tests/reliability/bad_inputs.yml`); the message is the one it produced. Every case was refused before "
             "anything was changed: modules are run with every host command refused, playbooks against a host whose "
             "Python is `/bin/false`.", "",
             "| # | Case | Entry point | Message |", "|---|---|---|---|"]
    return lines + bad_input_rows(cases, messages)


def faults_section(records):
    lines = [FAULTS_HEADING, ""]
    if not records:
        return lines + ["No fault records were found: no injected fault has been recorded yet (the Molecule fault "
                        "scenarios write them to `.build/reliability/faults/`)."]
    per_backend = {}
    for record in records:
        per_backend[record["backend"]] = per_backend.get(record["backend"], 0) + 1
    lines += ["Each fault was injected in a Molecule scenario on a test host; the state found afterwards was read back "
              "from the firewall and checked with packets. Faults per backend: %s."
              % ", ".join("%s %d" % item for item in sorted(per_backend.items())), "",
              "| Backend | Fault | Injected | State after | Half-applied | Evidence |", "|---|---|---|---|---|---|"]
    for record in records:
        lines.append("| %s | %s | %s | %s | %s | %s |" % (
            cell(record["backend"]), cell(record["fault"]), cell(record["injected"]), record["state_after"],
            "**yes**" if record["half_applied"] else "no", cell(record["evidence"])))
    return lines


def summary_line(cases, records):
    half = [record for record in records if record["half_applied"]]
    line = "%d bad inputs, %d injected faults, %d half-applied" % (len(cases), len(records), len(half))
    if half:
        line += " (HALF-APPLIED: %s)" % "; ".join("%s %s" % (record["backend"], record["fault"]) for record in half)
    return line


def build(cases, messages, records):
    """The whole text of docs/reliability.md."""
    lines = ["# Reliability", "",
             "Generated by `tests/tools/reliability_report.py` from the test runs; do not edit by hand. "
             "`bash tests/run.sh reliability` fails when this file is stale.", ""]
    lines += bad_inputs_section(cases, messages) + [""]
    lines += faults_section(records) + [""]
    lines += ["## Summary", "", summary_line(cases, records)]
    return "\n".join(lines) + "\n"


def section(text, heading):
    """The lines of one ``## `` section of a report, heading included."""
    lines = text.splitlines()
    try:
        start = lines.index(heading)
    except ValueError:
        return []
    end = next((index for index in range(start + 1, len(lines)) if lines[index].startswith("## ")), len(lines))
    return lines[start:end]


def compare(expected, actual, label):
    """Unified diff lines between two texts (empty when equal)."""
    return list(difflib.unified_diff(actual, expected, "%s (committed)" % label, "%s (generated)" % label, lineterm=""))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file instead of writing it")
    parser.add_argument("--faults", default=FAULTS_DIR, help="directory of fault records (default: .build/reliability/faults)")
    parser.add_argument("--output", default=DOC, help="file to write or check (default: docs/reliability.md)")
    args = parser.parse_args(argv)

    cases = bad_inputs.load_cases()
    try:
        records = load_faults(args.faults) if os.path.isdir(args.faults) else []
        text = build(cases, bad_inputs.run_cases(cases), records)
    except ReportError as exc:
        print("reliability: %s" % exc)
        return 1
    shown = os.path.relpath(args.output, REPO)
    if not args.check:
        with open(args.output, "w", encoding="utf-8") as stream:
            stream.write(text)
        print("reliability: wrote %s (%s)" % (shown, summary_line(cases, records)))
        return 0

    try:
        with open(args.output, encoding="utf-8") as stream:
            committed = stream.read()
    except OSError:
        committed = ""
    if records:
        diff = compare(text.splitlines(), committed.splitlines(), shown)
    else:
        print("reliability: no fault records in %s (the molecule step did not run or recorded none): the faults "
              "section and the summary cannot be checked; comparing the bad-input section only"
              % os.path.relpath(args.faults, REPO))
        diff = compare(section(text, BAD_INPUTS_HEADING), section(committed, BAD_INPUTS_HEADING), shown)
    if diff:
        print("reliability: %s is stale; regenerate it with python tests/tools/reliability_report.py" % shown)
        print("\n".join(diff))
        return 1
    if any(record["half_applied"] for record in records):
        print("reliability: %s" % summary_line(cases, records))
        return 1
    print("reliability: %s is fresh (%s)" % (shown, summary_line(cases, records)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
