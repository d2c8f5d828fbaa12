#!/usr/bin/env bash
# The whole test suite of the netreq.firewall collection (README: `bash tests/run.sh`).
#
# Steps, in order (all run; the script exits non-zero if any of them fails):
#   changelog     antsibull-changelog lint
#   sanity        ansible-test sanity --python 3.11, on a copy of the working tree
#                 (without pwsh: validate-modules on the Python modules only, see step_sanity)
#   ansible-lint  ansible-lint with the production profile (.ansible-lint)
#   pytest        pytest on tests/unit, tests/golden, tests/contract, tests/integration and tests/reliability
#                 (those that exist), after installing the nft CLI for syntax checks
#   molecule      molecule test --all, when extensions/molecule/ holds scenarios
#   reliability   docs/reliability.md is fresh: regenerated from the bad-input cases and the
#                 fault records the molecule step wrote (.build/reliability/faults/); without
#                 fault records only its bad-input section can be checked, and the step says so
#
# `bash tests/run.sh sanity pytest` runs only the named steps, in the order above.
# Works from any directory; sets up .venv through tests/setup.sh first.

# The step_* functions are called through "step_${name}":
# shellcheck disable=SC2317,SC2329

set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=tests/setup.sh
source "$HERE/setup.sh" || { echo "run: tests/setup.sh failed" >&2; exit 1; }
REPO="$NETREQ_REPO"
cd "$REPO" || exit 1

# Plain output in logs: ansible-test colours only a terminal, the others obey NO_COLOR.
if [ ! -t 1 ]; then
    export NO_COLOR=1
fi

ALL_STEPS=(changelog sanity ansible-lint pytest molecule reliability)
SANITY_PYTHON="${NETREQ_SANITY_PYTHON:-3.11}"

header() {
    printf '\n==================== %s ====================\n' "$*"
}

# ---------------------------------------------------------------- steps
# Each step returns 0 (passed), 1 (failed) or 77 (skipped, nothing to test).

step_changelog() {
    antsibull-changelog lint
}

# ansible-test bootstraps pip in each sanity venv with a get-pip script that it
# downloads once into ~/.ansible/test/cache/get_pip_<version>.py. Where that
# download is impossible, seed the cache with tests/sanity/get_pip_standin.py;
# a cached script (real or stand-in) is never replaced.
seed_get_pip_cache() {
    local pip_version cache
    pip_version="$(python - <<'PY'
import types
from ansible_test._internal import python_requirements
print(python_requirements.get_venv_packages(types.SimpleNamespace(version="3.11"))["pip"])
PY
)" || pip_version=""
    if [ -z "$pip_version" ]; then
        echo "run: could not tell which pip ansible-test bootstraps; leaving its cache alone"
        return 0
    fi
    cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
    if [ -e "$cache" ]; then
        echo "run: using cached pip bootstrap script $cache"
    else
        mkdir -p "$(dirname "$cache")" || return 1
        cp "$REPO/tests/sanity/get_pip_standin.py" "$cache.tmp" && mv "$cache.tmp" "$cache" || return 1
        echo "run: seeded $cache with tests/sanity/get_pip_standin.py"
    fi
}

# ansible-test wants the collection under ansible_collections/<ns>/<name> and
# lists its files with git when the tree is a git work tree. Copy exactly the
# files git would ship (tracked plus untracked-but-not-ignored, as they are in
# the working tree) into a fresh tree with its own .git.
stage_sanity_tree() {
    local dest="$1" path
    rm -rf "$REPO/.build/sanity" || return 1
    mkdir -p "$dest" || return 1
    git -C "$REPO" ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' path; do
            # tracked files deleted in the working tree are not copied
            if [ -e "$path" ] || [ -L "$path" ]; then
                printf '%s\0' "$path"
            fi
        done |
        tar -C "$REPO" --null --no-recursion -T - -cf - |
        tar -C "$dest" -xf - || return 1
    git -C "$dest" init -q || return 1
}

step_sanity() {
    local dest="$REPO/.build/sanity/ansible_collections/netreq/firewall"
    seed_get_pip_cache || return 1
    stage_sanity_tree "$dest" || return 1
    echo "run: staged $(git -C "$dest" ls-files -co --exclude-standard | wc -l) files in $dest"
    # ansible-test sets the collection path for its tests itself.
    if command -v pwsh >/dev/null 2>&1; then
        (cd "$dest" && env -u ANSIBLE_COLLECTIONS_PATH \
            ansible-test sanity --python "$SANITY_PYTHON")
        return
    fi
    # validate-modules needs pwsh to read a PowerShell module's argument spec and stops
    # with an error without it; none of the package registries reachable here has pwsh.
    # So it checks the Python modules only, and every other test runs on everything
    # (pslint skips itself with a warning). The PowerShell modules are checked as text by
    # tests/unit/plugins/module_utils/windows/test_windows_powershell_text.py.
    local module
    local -a python_modules=()
    for module in "$dest"/plugins/modules/*.py; do
        [ -e "${module%.py}.ps1" ] || python_modules+=("plugins/modules/$(basename "$module")")
    done
    echo "run: pwsh is not installed: validate-modules checks ${#python_modules[@]} Python modules, not the PowerShell ones"
    (cd "$dest" && env -u ANSIBLE_COLLECTIONS_PATH \
        ansible-test sanity --python "$SANITY_PYTHON" --skip-test validate-modules &&
        env -u ANSIBLE_COLLECTIONS_PATH \
        ansible-test sanity --python "$SANITY_PYTHON" --test validate-modules "${python_modules[@]}")
}

step_ansible_lint() {
    ansible-lint
}

# The nft command line (Debian package nftables) lets the tests check rendered
# rulesets with `nft -c` inside a private network namespace. Installing it
# must not start anything on this machine: a policy-rc.d guard refuses every
# service start during the install. Without root or apt the checks skip.
ensure_nft_cli() {
    local guard=/usr/sbin/policy-rc.d created=0
    command -v nft >/dev/null 2>&1 && return 0
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "run: nft is not installed and cannot be installed here; the nft syntax checks will skip"
        return 0
    fi
    if [ ! -e "$guard" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$guard" && chmod 755 "$guard" && created=1
    fi
    if ! apt-cache policy nftables 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        apt-get update -qq >/dev/null 2>&1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nftables >/dev/null 2>&1 ||
        echo "run: could not install nftables; the nft syntax checks will skip"
    [ "$created" -eq 1 ] && rm -f "$guard"
    return 0
}

step_pytest() {
    local dir rc
    local -a dirs=()
    ensure_nft_cli
    for dir in tests/unit tests/golden tests/contract tests/integration tests/reliability; do
        [ -d "$dir" ] && dirs+=("$dir")
    done
    if [ "${#dirs[@]}" -eq 0 ]; then
        echo "run: none of tests/unit, tests/golden, tests/contract exists: no tests to run"
        return 1
    fi
    python -m pytest -q "${dirs[@]}"
    rc=$?
    if [ "$rc" -eq 5 ]; then
        echo "run: pytest collected no tests in ${dirs[*]}"
    fi
    return "$rc"
}

step_molecule() {
    local scenario found=0
    for scenario in extensions/molecule/*/molecule.yml; do
        [ -f "$scenario" ] && found=1
    done
    if [ "$found" -eq 0 ]; then
        echo "run: no Molecule scenarios in extensions/molecule/ (no */molecule.yml): skipped"
        return 77
    fi
    # The fault scenarios write one record per injected fault; records of an
    # earlier run must not reach docs/reliability.md (step reliability).
    rm -rf "$REPO/.build/reliability/faults"
    # Molecule reads extensions/molecule/config.yml only when run from the
    # collection root (the directory holding galaxy.yml).
    molecule test --all
}

# Regenerates the report in memory and compares it with the committed file
# (the tool prints the difference); fails when it is stale or when a fault
# record says a fault left the host half-applied.
step_reliability() {
    python tests/tools/reliability_report.py --check
}

# ---------------------------------------------------------------- driver

if [ "$#" -gt 0 ]; then
    for arg in "$@"; do
        case " ${ALL_STEPS[*]} " in
            *" $arg "*) ;;
            *) echo "run: unknown step '$arg' (steps: ${ALL_STEPS[*]})" >&2; exit 2 ;;
        esac
    done
    selected=" $* "
else
    selected=" ${ALL_STEPS[*]} "
fi

passed=()
failed=()
skipped=()
timings=()

for step in "${ALL_STEPS[@]}"; do
    case "$selected" in *" $step "*) ;; *) continue ;; esac
    header "$step"
    started=$(date +%s.%N)
    "step_${step//-/_}"
    rc=$?
    elapsed=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    timings+=("$step=${elapsed}s")
    case "$rc" in
        0) passed+=("$step"); echo "run: $step passed in ${elapsed}s" ;;
        77) skipped+=("$step"); echo "run: $step skipped" ;;
        *) failed+=("$step"); echo "run: $step FAILED (exit $rc) after ${elapsed}s" ;;
    esac
done

header "summary"
echo "timings: ${timings[*]}"
echo "SUMMARY: passed: ${passed[*]:-none} | failed: ${failed[*]:-none} | skipped: ${skipped[*]:-none}"
if [ "${#failed[@]}" -ne 0 ]; then
    exit 1
fi
exit 0
