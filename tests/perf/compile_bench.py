#!/usr/bin/env python
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Compile + render time of many prefixes: netreq.firewall next to Aerleon.

Why: a profile parameter may hold thousands of customer prefixes, and the
collection compiles and renders them on the controller for every host. Aerleon
does the same job (policy + definitions -> platform policy), so it is the
yardstick: for every backend both tools share, netreq's time to load,
validate, compile and render N prefixes should not exceed Aerleon's time to
parse the same N prefixes as definitions and generate the policy.

What is timed (imports excluded on both sides, the same N prefixes):
* netreq: ``compile_rules(profile dict)`` (loading and validating the profile
  included) + ``render(backend, rules)``;
* Aerleon: ``Naming().ParseDefinitionsObject(definitions)`` +
  ``api.Generate([policy], definitions)``.
Each is repeated and the median is reported, side by side in one run.
Backends: nftables <-> nftables, windows <-> windows_advfirewall, gcp <-> gce.

The prefixes are synthetic /24s in 10.0.0.0/8 (never sent any traffic).
``--layout sparse`` (default) takes every other /24 so nothing can be merged
and every prefix reaches the output; ``adjacent`` takes consecutive /24s,
which netreq merges losslessly.

Aerleon lives only in its own virtual environment, tests/perf/.venv-aerleon
(git-ignored), created on first use from tests/perf/requirements-aerleon.txt
(an exact pin); it is never installed into the project's .venv.

Usage:
    python tests/perf/compile_bench.py [--count 10000] [--repeat 5] [--json OUT]
Importable: ``compile_bench.run(count=..., repeat=...)`` returns the same dict
that ``--json`` writes. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
AERLEON_VENV = os.path.join(HERE, ".venv-aerleon")
AERLEON_REQUIREMENTS = os.path.join(HERE, "requirements-aerleon.txt")
STAMP = os.path.join(AERLEON_VENV, ".requirements-aerleon.txt")

# netreq backend -> (Aerleon generator, its header options for one egress filter)
PAIRS = {
    "nftables": ("nftables", "inet output"),
    "windows": ("windows_advfirewall", "out inet"),
    "gcp": ("gce", "EGRESS"),
}
LAYOUTS = ("sparse", "adjacent")
_PREFIX_RE = re.compile(r"10\.\d+\.\d+\.0/24")


def prefixes(count, layout="sparse"):
    """``count`` distinct /24s in 10.0.0.0/8; sparse ones are never adjacent."""
    step = 2 if layout == "sparse" else 1
    per_octet = 256 // step
    if count > 256 * per_octet:
        raise ValueError("at most %d prefixes in layout %s" % (256 * per_octet, layout))
    return ["10.%d.%d.0/24" % (index // per_octet, step * (index % per_octet)) for index in range(count)]


def _median_runs(function, repeat):
    runs = []
    result = None
    for _round in range(repeat):
        start = time.perf_counter()
        result = function()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), runs, result


# ----------------------------------------------------------------- netreq side

def _import_netreq():
    sys.path.insert(0, os.path.join(REPO, "tests"))
    from collection_path import ensure_collection_path  # pylint: disable=import-outside-toplevel
    ensure_collection_path()
    from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_rules
    from ansible_collections.netreq.firewall.plugins.module_utils._render._registry import render
    return compile_rules, render


def netreq_profile(networks):
    """One egress requirement: tcp/443 to every prefix, as a profile dict."""
    return {
        "schema_version": 1, "name": "bench", "vendor": "Benchmark", "product": "Many prefixes",
        "components": {"host": {"description": "the host under test"}},
        "requirements": [{
            "id": "many_prefixes", "component": "host", "direction": "egress", "protocols": ["tcp"], "ports": [443],
            "remote": list(networks), "description": "HTTPS to many prefixes", "source": "synthetic",
        }],
    }


def time_netreq(backend, networks, repeat):
    compile_rules, render = _import_netreq()

    def once():
        return render(backend, compile_rules(netreq_profile(networks)))

    median, runs, result = _median_runs(once, repeat)
    return median, runs, result


# ----------------------------------------------------------------- Aerleon side

def aerleon_inputs(target, options, networks):
    policy = {"filename": "bench", "filters": [{
        "header": {"targets": {target: options}},
        "terms": [{"name": "many-prefixes", "destination-address": "BENCH", "destination-port": "HTTPS",
                   "protocol": "tcp", "action": "accept"}],
    }]}
    definitions = {
        "networks": {"BENCH": {"values": [{"address": network} for network in networks]}},
        "services": {"HTTPS": [{"port": 443, "protocol": "tcp"}]},
    }
    return policy, definitions


def _aerleon_worker(request):
    """Runs inside .venv-aerleon: times one target, prints JSON."""
    import logging

    from aerleon import api
    from aerleon.lib import naming

    logging.disable(logging.WARNING)  # gce warns that the bench names no network
    policy, definitions = aerleon_inputs(request["target"], request["options"], request["networks"])

    def once():
        names = naming.Naming()
        names.ParseDefinitionsObject(definitions, "")
        return api.Generate([policy], names)

    median, runs, result = _median_runs(once, request["repeat"])
    text = "".join(result.values())
    return {"median": median, "runs": runs, "prefixes_in_output": sorted(set(_PREFIX_RE.findall(text)))}


def _aerleon_python():
    return os.path.join(AERLEON_VENV, "bin", "python")


def ensure_aerleon_venv():
    """Create or refresh tests/perf/.venv-aerleon when the pinned requirements changed."""
    with open(AERLEON_REQUIREMENTS, encoding="utf-8") as handle:
        wanted = handle.read()
    try:
        with open(STAMP, encoding="utf-8") as handle:
            if handle.read() == wanted and os.path.exists(_aerleon_python()):
                return _aerleon_python()
    except OSError:
        pass
    for command in ([sys.executable, "-m", "venv", "--clear", AERLEON_VENV],
                    [_aerleon_python(), "-m", "pip", "install", "--quiet", "-r", AERLEON_REQUIREMENTS]):
        proc = subprocess.run(command, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError("%s failed:\n%s%s" % (" ".join(command), proc.stdout, proc.stderr))
    with open(STAMP, "w", encoding="utf-8") as handle:
        handle.write(wanted)
    return _aerleon_python()


def time_aerleon(target, options, networks, repeat):
    request = {"target": target, "options": options, "networks": networks, "repeat": repeat}
    proc = subprocess.run([ensure_aerleon_venv(), os.path.abspath(__file__), "--aerleon-worker"],
                          input=json.dumps(request), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError("Aerleon worker failed:\n%s" % proc.stderr)
    return json.loads(proc.stdout)


def aerleon_version():
    proc = subprocess.run([ensure_aerleon_venv(), "-c", "from importlib.metadata import version; print(version('aerleon'))"],
                          capture_output=True, text=True, check=True)
    return proc.stdout.strip()


# ----------------------------------------------------------------- both

def run(count=10000, repeat=5, layout="sparse", backends=tuple(PAIRS)):
    """Time every backend pair; returns a JSON-friendly dict (see ``--json``)."""
    networks = prefixes(count, layout)
    expected = set(networks)
    results = []
    for backend in backends:
        target, options = PAIRS[backend]
        netreq_median, netreq_runs, rendered = time_netreq(backend, networks, repeat)
        aerleon = time_aerleon(target, options, networks, repeat)
        found = set(_PREFIX_RE.findall(json.dumps(rendered)))
        if layout == "sparse" and found != expected:
            raise RuntimeError("netreq %s output lacks %d of the prefixes" % (backend, len(expected - found)))
        if set(aerleon["prefixes_in_output"]) != expected:
            raise RuntimeError("Aerleon %s output lacks %d of the prefixes"
                               % (target, len(expected - set(aerleon["prefixes_in_output"]))))
        results.append({
            "backend": backend, "aerleon_target": target,
            "netreq_s": netreq_median, "aerleon_s": aerleon["median"],
            "ratio": netreq_median / aerleon["median"],
            "netreq_runs_s": netreq_runs, "aerleon_runs_s": aerleon["runs"],
        })
    return {
        "benchmark": "compile+render", "prefixes": count, "layout": layout, "repeat": repeat,
        "python": sys.version.split()[0], "aerleon_version": aerleon_version(), "results": results,
    }


def table(report):
    lines = ["%d prefixes (%s), median of %d runs; Aerleon %s" % (
        report["prefixes"], report["layout"], report["repeat"], report["aerleon_version"]),
        "| backend | aerleon target | netreq s | aerleon s | ratio netreq/aerleon |",
        "|---|---|---|---|---|"]
    for row in report["results"]:
        lines.append("| %s | %s | %.3f | %.3f | %.2f |" % (
            row["backend"], row["aerleon_target"], row["netreq_s"], row["aerleon_s"], row["ratio"]))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--count", type=int, default=10000, help="number of /24 prefixes (default 10000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per tool and backend; the median is reported")
    parser.add_argument("--layout", choices=LAYOUTS, default="sparse")
    parser.add_argument("--backend", action="append", choices=sorted(PAIRS), help="limit to these backends")
    parser.add_argument("--json", metavar="OUT", help="also write the numbers as JSON to OUT ('-' for stdout only)")
    parser.add_argument("--aerleon-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.aerleon_worker:
        json.dump(_aerleon_worker(json.load(sys.stdin)), sys.stdout)
        return 0
    report = run(count=args.count, repeat=args.repeat, layout=args.layout, backends=tuple(args.backend or PAIRS))
    if args.json == "-":
        json.dump(report, sys.stdout, indent=2)
        print()
        return 0
    print(table(report))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
