# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The benchmark's one table (terminal and Markdown) and its plot, from bench.py's results.

The targets live here, next to the rows they judge, so the table and docs/performance.md
always state the same thresholds.
"""

from __future__ import annotations

import os

ALL_SIZES = (10, 100, 1000)
LOOP_MODULE = {"firewalld": "ansible.posix.firewalld", "ufw": "community.general.ufw"}
FLOOR = {"firewalld": "one firewall-cmd batch + one reload", "ufw": "user.rules + one ufw reload",
         "nftables": "one nft -f"}
HOST = {"firewalld": "perf1", "ufw": "perf2", "nftables": "perf3"}
FLAT = 1.25           # "flat": no-op at the largest size within 25 % of the no-op at 10 rules
ABOUT_ONE = 1.25      # N=3 / N=1 "about 1"


def _cell(data, key, size):
    return data["results"].get(key, {}).get(str(size))


def _value(data, key, size):
    cell = _cell(data, key, size)
    return cell.get("seconds") if cell else None


def _why_missing(data, key, size):
    if size not in data["sizes"]:
        return "not run (--quick)"
    cell = _cell(data, key, size)
    if not cell:
        return "-"
    if cell.get("skipped"):
        return cell["skipped"]
    if cell.get("error"):
        return "timeout" if cell["error"].startswith("timed out") else "FAILED"
    return "-"


def _seconds(data, key, size):
    value = _value(data, key, size)
    if value is None:
        return _why_missing(data, key, size)
    text = "%.3f" % value if value < 1 else "%.2f" % value
    notes = (_cell(data, key, size) or {}).get("notes")
    return text + (" (!)" if notes else "")


def _status(values, limit):
    """met / not met (sizes) for {size: ratio}, n/a without any value."""
    have = {size: v for size, v in values.items() if v is not None}
    if not have:
        return "n/a"
    bad = [str(size) for size, v in sorted(have.items()) if v > limit]
    return "not met (%s)" % ", ".join(bad) if bad else "met"


def _ratio_text(value):
    """Enough digits to see which side of a target (0.1, 1.5, 2) a ratio is on."""
    return "%.0f" % value if value >= 100 else "%.2f" % value if value >= 1 else "%.3f" % value


def _ratio_row(data, label, num, den, limit, target, sizes=ALL_SIZES):
    """A ratio row; num/den are callables size -> seconds or None."""
    values, cells = {}, {}
    for size in sizes:
        a, b = num(size), den(size)
        if a is None or b is None or b == 0:
            cells[size] = "not run (--quick)" if size not in data["sizes"] else "-"
            values[size] = None
        else:
            values[size] = a / b
            cells[size] = _ratio_text(values[size])
    status = _status(values, limit) if limit is not None else ""
    return {"label": label, "cells": cells, "target": target, "status": status, "values": values}


def build(data):
    """The rows of the one table: sections, measured seconds, ratios with targets."""
    rows = []

    def val(key):
        return lambda size: _value(data, key, size)

    def noop_over_ping(backend):
        """The median over the no-op runs of each run's time over the ping made right before it.

        A ratio per pair, not a ratio of medians: this machine's speed drifts by tens of
        percent within minutes, and a pair's two runs share the moment they were made in.
        The flatness check compares these ratios too, since the sizes are run minutes apart.
        """
        return val("%s.role.noop_over_ping" % backend)

    rows.append({"section": "ansible -m ping, median of %d (once per host: it does not depend on the rule count)"
                            % data["ping_reps"]})
    for backend in HOST:
        value = _value(data, "%s.ping" % backend, 0)
        text = ("%.2f" % value) if value is not None else ("FAILED" if _cell(data, "%s.ping" % backend, 0) else "-")
        rows.append({"label": "ping %s (%s)" % (HOST[backend], backend), "cells": {10: text},
                     "target": "", "status": ""})

    for backend in HOST:
        rows.append({"section": "%s host %s" % (backend, HOST[backend])})
        for phase, label in (("first", "role first apply"), ("noop", "role no-op re-run"),
                             ("replace", "role replace (all ports swapped)")):
            key = "%s.role.%s" % (backend, phase)
            rows.append({"label": label, "cells": {s: _seconds(data, key, s) for s in ALL_SIZES},
                         "target": "", "status": ""})
        if backend in LOOP_MODULE:
            for phase, label in (("first", "first apply"), ("noop", "no-op re-run")):
                key = "%s.loop.%s" % (backend, phase)
                rows.append({"label": "%s loop, %s" % (LOOP_MODULE[backend], label),
                             "cells": {s: _seconds(data, key, s) for s in ALL_SIZES}, "target": "", "status": ""})
        rows.append({"label": "floor: %s (timed in host)" % FLOOR[backend],
                     "cells": {s: _seconds(data, "%s.floor" % backend, s) for s in ALL_SIZES},
                     "target": "", "status": ""})
        if backend in LOOP_MODULE:
            # the target is stated for 100 rules; at 10 the fixed cost of one Ansible run dominates both
            rows.append(_ratio_row(data, "ratio role/loop, first apply (target at 100)", val("%s.role.first" % backend),
                                   val("%s.loop.first" % backend), None, "<= 0.1 at 100"))
            rows[-1]["status"] = _status({100: rows[-1]["values"].get(100)}, 0.1)
        rows.append(_ratio_row(data, "ratio role no-op/ping (median of no-op/ping pairs)",
                               noop_over_ping(backend), lambda size: 1.0, 1.5, "<= 1.5"))
        base = noop_over_ping(backend)(10)
        rows.append(_ratio_row(data, "ratio no-op/ping at N rules over at 10 rules (flat)", noop_over_ping(backend),
                               lambda size, base=base: base, FLAT, "<= %.2f" % FLAT))
        rows.append(_ratio_row(data, "ratio role replace/first", val("%s.role.replace" % backend),
                               val("%s.role.first" % backend), 2.0, "<= 2"))
        rows.append(_ratio_row(data, "ratio role/floor, first apply (overhead)", val("%s.role.first" % backend),
                               val("%s.floor" % backend), None, "-"))

    size = data["forks_size"]
    rows.append({"section": "N hosts, nftables, %d rules, forks=N (column %d)" % (size, size)})
    for phase, label in (("first", "first apply"), ("noop", "no-op re-run")):
        for count in (1, 3):
            key = "forks.%s.n%d" % (phase, count)
            rows.append({"label": "role %s, N=%d" % (label, count),
                         "cells": {size: _seconds(data, key, size)}, "target": "", "status": ""})
        rows.append(_ratio_row(data, "ratio %s N=3/N=1 (median of N=3/N=1 pairs)" % label,
                               val("forks.%s.n3_over_n1" % phase), lambda size: 1.0, ABOUT_ONE,
                               "~1 (<= %.2f)" % ABOUT_ONE, sizes=(size,)))

    rows.append({"section": "compile: netreq vs Aerleon (tests/perf/compile_bench.py)"})
    rows.extend(_compile_rows(data.get("compile") or {}))
    return rows


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _compile_rows(result):
    """Rows from compile_bench.py's JSON: a list of flat records (or {"rows": [...]}).

    A record's numeric field whose name contains "netreq" and one containing "aerleon"
    give the ratio (or a "ratio" field); a field named rules/size/n picks the column;
    the other text fields name the row.
    """
    if result.get("status") != "ok":
        return [{"label": result.get("message", "not run"), "cells": {}, "target": "<= 1", "status": "n/a"}]
    records = result["data"]
    if isinstance(records, dict):
        records = records.get("rows") or records.get("results") or [records]
    rows = {}
    for record in records if isinstance(records, list) else []:
        if not isinstance(record, dict):
            continue
        size = next((record[k] for k in ("rules", "size", "n", "rule_count") if _number(record.get(k))), None)
        names = [str(v) for k, v in record.items() if isinstance(v, str)]
        netreq = next((v for k, v in record.items() if "netreq" in k.lower() and _number(v)), None)
        aerleon = next((v for k, v in record.items() if "aerleon" in k.lower() and _number(v)), None)
        ratio = record.get("ratio") if _number(record.get("ratio")) else (
            netreq / aerleon if _number(netreq) and _number(aerleon) and aerleon else None)
        label = "netreq/aerleon " + (" ".join(names) or "compile")
        row = rows.setdefault(label, {"label": label, "cells": {}, "values": {}, "target": "<= 1"})
        column = size if size in ALL_SIZES else 100
        if ratio is None:
            row["cells"][column] = "?"
        else:
            row["cells"][column] = "%.2f" % ratio if netreq is None else "%.3g/%.3g=%.2f" % (netreq, aerleon, ratio)
        row["values"][column] = ratio
    out = []
    for row in rows.values():
        row["status"] = _status(row.pop("values"), 1.0)
        out.append(row)
    return out or [{"label": "compile_bench.py returned no records", "cells": {}, "target": "<= 1", "status": "n/a"}]


# ---------------------------------------------------------------- output


HEADERS = ("", "10 rules", "100 rules", "1000 rules", "target", "status")


def _lines(rows):
    for row in rows:
        if "section" in row:
            yield None, row["section"]
        else:
            yield [row["label"]] + [row["cells"].get(s, "") for s in ALL_SIZES] + [row["target"], row["status"]], None


def text(rows, data):
    widths = [len(h) for h in HEADERS]
    for cells, _section in _lines(rows):
        if cells:
            widths = [max(w, len(str(c))) for w, c in zip(widths, cells)]

    def fmt(cells):
        """Label left, the three figures right, target and status left."""
        return "  ".join(str(c).rjust(w) if 0 < i < 4 else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    total = sum(widths) + 2 * (len(widths) - 1)
    out = ["netreq.firewall apply benchmark: %s, mode %s, seconds of wall clock (median of %s where cheap)"
           % (data["machine"]["date"], data["mode"], data["reps"]), "=" * total, fmt(HEADERS), "-" * total]
    for cells, section in _lines(rows):
        out.append(fmt(cells) if cells else "[%s]" % section)
    out.append("-" * total)
    if any(cell.get("notes") for cells in data["results"].values() for cell in cells.values()):
        out.append("(!) the no-op re-run reported changes (changed > 0 in the play recap)")
    if data["failures"]:
        out.append("FAILED: see the failures and their logs listed on stderr")
    return "\n".join(out)


def markdown_table(rows):
    out = ["| " + " | ".join(("measurement",) + HEADERS[1:]) + " |",
           "|---|" + "---:|" * 3 + "---|---|"]
    for cells, section in _lines(rows):
        if cells:
            out.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
        else:
            out.append("| **%s** | | | | | |" % section)
    return "\n".join(out)


def _repeat_text(data):
    """How many runs each figure is the median of."""
    if data["reps"] == 1:
        return "one run of each"
    pairs = data.get("noop_pairs", 1)
    return ("the median of %d runs at 10 and 100 rules, one run at 1,000 rules (no-op runs: %d after each first "
            "apply at 10 and 100 rules and %d after the one at 1,000, so %d at every size, each right after a ping "
            "of the same host; the no-op/ping ratio compares those pings)"
            % (data["reps"], pairs, pairs * data["reps"], pairs * data["reps"]))


def write_markdown(path, rows, data):
    m, t = data["machine"], data["machine"].get("target", {})
    text_out = """# Performance

Measured by `bash tests/perf/run.sh` (mode `{mode}`) on {date}. Regenerate it the same way; `--full`
also runs the upstream per-rule loops at 1,000 rules, `--quick` only 10 and 100 rules once.

What the numbers are: the wall-clock time of the whole `ansible-playbook` (or `ansible`) command, which
is what a user waits for; {repeat}, and the median of {ping_reps} pings. The floors are timed inside the host (its own clock, read right before and
after the commands, entered with `nsenter`), so they leave out Ansible and the connection entirely.
Each first apply starts on a freshly booted host. The profile is synthetic: one requirement per rule,
TCP port 20000+i (30000+i for the replace run), ingress from 198.51.100.0/24 or one 203.0.113.x
address; after every first apply and replace the ports are read back from the host's live ruleset.
The role runs with `host_firewall_backend: auto` and `gather_facts: false`, so detecting the backend
is part of its cost. Ansible's defaults otherwise (no pipelining); the hosts are reached with the
`community.docker.nsenter` connection, so there is no network round trip: over SSH every figure
grows by the same per-task cost, which makes the per-rule loops relatively slower still. Python runs
with its default bytecode cache (the benchmark compiles the collection's plugins before timing and
clears `PYTHONDONTWRITEBYTECODE` for the commands it times), as on a controller after its first run:
Ansible and the upstream collections are installed by pip with their bytecode already compiled.

## Machine

- CPU: {cpu}, {cores} cores (shared with other jobs; load average at the start: {load})
- Kernel: {kernel}
- Controller: Python {python}, ansible-core {core}
- Test hosts: {os} under systemd-nspawn (tests/testhost/), {tpython}; firewalld {fwd}; {ufw}; {nft}

## Results

{table}

"ratio role/loop" is the role's first apply over the upstream loop's. "no-op/ping" is, for each no-op
run, its time over that of the ping made right before it on the same host, and the median of those
ratios: this machine's speed drifts by tens of percent within minutes (see the pings), and a ratio
of runs made seconds apart leaves that drift out. "flat" compares that ratio at 100 and 1,000 rules
with the one at 10, for the same reason (the sizes are run minutes apart); the no-op seconds above are
the raw medians. N=1 and N=3 take turns for the same reason, and their ratio is the median of each
N=3 run over the N=1 run of its turn. "role/floor" is how much the role costs over
the one batch command it has to run anyway. A floor is the backend's own batch command line, not a
proven lower bound: where role/floor is below 1, the role's path (for firewalld: its own XML files and
one reload) is cheaper than that command. (!) marks a no-op run that reported changes.

![time against rule count](performance.png)
""".format(mode=data["mode"], date=m["date"],
           repeat=_repeat_text(data), ping_reps=data["ping_reps"], cpu=m["cpu"],
           cores=m["cores"], load=m["load"], kernel=m["kernel"], python=m["python"], core=m["ansible_core"],
           os=t.get("os", "Debian"), tpython=t.get("python", "python3"), fwd=t.get("firewalld", "?"),
           ufw=t.get("ufw", "ufw ?"), nft=t.get("nftables", "nftables ?"), table=markdown_table(rows))
    if data["failures"]:
        text_out += "\nMeasurements that failed in this run:\n\n" + "".join(
            "- %s\n" % f.split(" (log ")[0] for f in data["failures"])
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text_out)


def plot(path, data):
    """Time against rule count per tool, log-log: first apply and no-op side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # One colour per backend, one line style per tool.
    series = {
        "first": [("%s.role.first" % b, "role, %s" % b, "-", "o", b) for b in HOST]
        + [("%s.loop.first" % b, "%s loop" % LOOP_MODULE[b], "--", "s", b) for b in LOOP_MODULE]
        + [("%s.floor" % b, "floor, %s (in host)" % b, ":", "^", b) for b in HOST],
        "noop": [("%s.role.noop" % b, "role, %s" % b, "-", "o", b) for b in HOST]
        + [("%s.loop.noop" % b, "%s loop" % LOOP_MODULE[b], "--", "s", b) for b in LOOP_MODULE],
    }
    colour = {"firewalld": "tab:red", "ufw": "tab:blue", "nftables": "tab:green"}
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), sharey=True)
    pings = [v for v in (_value(data, "%s.ping" % b, 0) for b in HOST) if v is not None]
    for ax, (phase, title) in zip(axes, (("first", "first apply"), ("noop", "no-op re-run"))):
        for key, label, style, marker, backend in series[phase]:
            points = [(s, _value(data, key, s)) for s in data["sizes"]]
            points = [(s, v) for s, v in points if v is not None]
            if points:
                ax.plot([p[0] for p in points], [p[1] for p in points], style, marker=marker, label=label,
                        color=colour[backend])
        if pings:
            ax.axhline(sorted(pings)[len(pings) // 2], color="grey", linewidth=1, label="ansible -m ping")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(data["sizes"], [str(s) for s in data["sizes"]])
        ax.set_xlabel("rules")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("seconds (wall clock)")
    fig.suptitle("netreq.firewall apply benchmark, %s (mode %s)" % (data["machine"]["date"], data["mode"]))
    fig.tight_layout()
    fig.savefig(path + ".tmp.png", dpi=100)
    os.replace(path + ".tmp.png", path)
    plt.close(fig)
