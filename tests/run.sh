#!/usr/bin/env bash
# The whole test suite of the netreq.firewall collection (README: `bash tests/run.sh`).
#
# Steps, in order (all run; the script exits non-zero if any of them fails):
#   changelog     antsibull-changelog lint, then a release of the pending fragments in a
#                 temporary copy that fails on duplicate entries (tests/tools/changelog_dry_run.py)
#   sanity        ansible-test sanity --python 3.11, on a copy of the working tree
#                 (without pwsh: validate-modules on the Python modules only, see step_sanity)
#   ansible-lint  ansible-lint with the production profile (.ansible-lint)
#   pytest        pytest on tests/unit, tests/golden, tests/contract, tests/integration and tests/reliability
#                 (those that exist), after installing the nft CLI for syntax checks
#   molecule      molecule test --all, when extensions/molecule/ holds scenarios
#   docs          antsibull-docs lints the extra docs (docs/docsite/) and the plugin docs, then
#                 builds the collection's HTML site into .build/docs/build/html with Sphinx,
#                 warnings failing the build
#   ee            build the collection tarball and install it (as the README says), check
#                 that ansible-builder reads meta/execution-environment.yml (introspect), and
#                 let ansible-builder create a build context from tests/ee/execution-environment.yml
#   versions      ansible-test sanity (but its style checks) and the unit tests once more with
#                 each older supported ansible-core (tests/versions/requirements-<version>.txt, one
#                 virtual environment each in .venv-core-<version>); 2.19 is the main .venv
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

ALL_STEPS=(changelog sanity ansible-lint pytest molecule docs ee versions reliability)
SANITY_PYTHON="${NETREQ_SANITY_PYTHON:-3.11}"

header() {
    printf '\n==================== %s ====================\n' "$*"
}

# ---------------------------------------------------------------- steps
# Each step returns 0 (passed), 1 (failed) or 77 (skipped, nothing to test).

step_changelog() {
    antsibull-changelog lint || return 1
    python tests/tools/changelog_dry_run.py
}

# ansible-test bootstraps pip in each sanity venv with a get-pip script that it
# downloads once into ~/.ansible/test/cache/get_pip_<version>.py. Where that
# download is impossible, seed the cache with tests/sanity/get_pip_standin.py;
# a cached script (real or stand-in) is never replaced.
# The first argument is the Python of the ansible-test to seed for (default: python);
# each ansible-core release may bootstrap another pip version.
seed_get_pip_cache() {
    local pip_version cache python="${1:-python}"
    pip_version="$("$python" - <<'PY'
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
    # the tree above ansible_collections/, e.g. .build/sanity
    rm -rf "${dest%/ansible_collections/*}" || return 1
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

# ansible_test_sanity DEST [ansible-test sanity options...]: ansible-test sanity in the
# staged tree DEST, with the ansible-test found on PATH.
ansible_test_sanity() {
    local dest="$1" module
    shift
    # ansible-test sets the collection path for its tests itself.
    if command -v pwsh >/dev/null 2>&1; then
        (cd "$dest" && env -u ANSIBLE_COLLECTIONS_PATH ansible-test sanity --python "$SANITY_PYTHON" "$@")
        return
    fi
    # validate-modules needs pwsh to read a PowerShell module's argument spec and stops
    # with an error without it; none of the package registries reachable here has pwsh.
    # So it checks the Python modules only, and every other test runs on everything
    # (pslint skips itself with a warning). The PowerShell modules are checked as text by
    # tests/unit/plugins/module_utils/windows/test_windows_powershell_text.py.
    local -a python_modules=()
    for module in "$dest"/plugins/modules/*.py; do
        [ -e "${module%.py}.ps1" ] || python_modules+=("plugins/modules/$(basename "$module")")
    done
    echo "run: pwsh is not installed: validate-modules checks ${#python_modules[@]} Python modules, not the PowerShell ones"
    (cd "$dest" && env -u ANSIBLE_COLLECTIONS_PATH \
        ansible-test sanity --python "$SANITY_PYTHON" --skip-test validate-modules "$@" &&
        env -u ANSIBLE_COLLECTIONS_PATH \
        ansible-test sanity --python "$SANITY_PYTHON" --test validate-modules "${python_modules[@]}")
}

step_sanity() {
    local dest="$REPO/.build/sanity/ansible_collections/netreq/firewall"
    seed_get_pip_cache || return 1
    stage_sanity_tree "$dest" || return 1
    echo "run: staged $(git -C "$dest" ls-files -co --exclude-standard | wc -l) files in $dest"
    ansible_test_sanity "$dest"
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
    # firewalld's, ufw's and iptables' own parsers check the edge renderings inside the test
    # hosts' root filesystem (built once, cached; the molecule step uses the same one)
    if [ "$(id -u)" = 0 ] && NETREQ_TEST_ROOTFS=$(bash tests/testhost/rootfs.sh 2>/dev/null); then
        export NETREQ_TEST_ROOTFS
    else
        echo "run: no test-host root filesystem here; the checks with the backends' own parsers will skip"
    fi
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

# The docs site, as antsibull-docs sphinx-init lays it out, built offline:
# intersphinx reads a local inventory of the Ansible docsite labels the pages
# link to (tests/tools/docs_offline_inventory.py) instead of downloading one.
step_docs() {
    local out="$REPO/.build/docs"
    antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs \
        --validate-collection-refs self "$REPO" || return 1
    rm -rf "$out" && mkdir -p -m 755 "$out" || return 1
    antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error \
        --project netreq.firewall --copyright "netreq.firewall contributors" \
        --title netreq.firewall --html-short-title netreq.firewall \
        --dest-dir "$out" netreq.firewall >/dev/null || return 1
    python tests/tools/docs_offline_inventory.py "$out/ansible_devel_offline.inv" || return 1
    printf '%s\n' "" "# tests/run.sh docs: offline, with a local inventory of the Ansible docsite labels" \
        "intersphinx_mapping = {'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/', '$out/ansible_devel_offline.inv')}" \
        >> "$out/conf.py" || return 1
    mkdir -p -m 755 "$out/rst" || return 1
    antsibull-docs --config-file "$out/antsibull-docs.cfg" collection --cleanup everything --fail-on-error \
        --use-current --squash-hierarchy --dest-dir "$out/rst" netreq.firewall >/dev/null || return 1
    sphinx-build -M html "$out/rst" "$out/build" -c "$out" -W --keep-going -q || return 1
    echo "run: docs site in $out/build/html/index.html"
    # the site in a real browser: the index and a profile page render, non-blank, with their text
    # (tests/tools/docs_screenshots.py --update refreshes the copies in docs/screenshots/)
    local chromium rc
    chromium=$(bash "$REPO/tests/tools/ensure_chromium.sh"); rc=$?
    if [ "$rc" -eq 77 ]; then
        echo "run: docs screenshots skipped: no chromium here and none can be installed"
    elif [ "$rc" -ne 0 ]; then
        return 1
    else
        python "$REPO/tests/tools/docs_screenshots.py" --chromium "$chromium" || return 1
        echo "run: docs screenshots in $out/screenshots"
    fi
}

# ansible-builder only writes the build context here (no container runtime is
# needed or used, no image is pulled).
step_ee() {
    local out="$REPO/.build/ee" tarball
    rm -rf "$out" && mkdir -p "$out/dist" || return 1
    # the README's install from a built tarball
    ansible-galaxy collection build --force --output-path "$out/dist" "$REPO" >/dev/null || return 1
    tarball="$(ls "$out"/dist/netreq-firewall-*.tar.gz)" || return 1
    ANSIBLE_COLLECTIONS_PATH="$out/collections" ansible-galaxy collection install --offline -p "$out/collections" "$tarball" >/dev/null || return 1
    # installed, it is found by its name alone (README, Install)
    (cd "$out" && ANSIBLE_COLLECTIONS_PATH="$out/collections" ansible-doc -t filter netreq.firewall.requirements >/dev/null &&
        ANSIBLE_COLLECTIONS_PATH="$out/collections" ansible-playbook --syntax-check netreq.firewall.plan >/dev/null) ||
        { echo "run: the installed collection is not usable by its name"; return 1; }
    cp "$tarball" "$out/dist/netreq-firewall.tar.gz" || return 1
    ansible-builder introspect "$out/collections" || return 1
    ansible-builder create --file tests/ee/execution-environment.yml --context "$out/context" -v 1 >/dev/null || return 1
    python tests/tools/check_ee_context.py "$out/collections" "$out/context"
}

# One virtual environment per older ansible-core, pinned by
# tests/versions/requirements-<version>.txt, installed again only when that
# file changed (stamp inside the venv, as tests/setup.sh does for .venv).
ensure_version_venv() {
    local version="$1" venv="$REPO/.venv-core-$1" req="$REPO/tests/versions/requirements-$1.txt"
    local stamp want
    stamp="$venv/.netreq-requirements.sha256"
    if ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
        # the supported controller Python of every listed ansible-core
        command -v python3.11 >/dev/null 2>&1 || { echo "run: python3.11 not found"; return 1; }
        rm -rf "$venv" && python3.11 -m venv "$venv" || return 1
    fi
    want="$(sha256sum "$req" | cut -d' ' -f1)"
    if [ "$want" != "$(cat "$stamp" 2>/dev/null)" ]; then
        echo "run: pip install -r tests/versions/requirements-$version.txt into .venv-core-$version"
        "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$req" || return 1
        printf '%s\n' "$want" > "$stamp" || return 1
    fi
}

step_versions() {
    local req version venv rc=0
    # its own copy: the sanity step may run at the same time and restages .build/sanity
    local dest="$REPO/.build/sanity-versions/ansible_collections/netreq/firewall"
    local -a versions=()
    for req in "$REPO"/tests/versions/requirements-*.txt; do
        [ -f "$req" ] || continue
        version="${req##*/requirements-}"
        versions+=("${version%.txt}")
    done
    if [ "${#versions[@]}" -eq 0 ]; then
        echo "run: no tests/versions/requirements-*.txt: nothing to test"
        return 1
    fi
    stage_sanity_tree "$dest" || return 1
    for version in "${versions[@]}"; do
        venv="$REPO/.venv-core-$version"
        echo "run: ansible-core $version"
        ensure_version_venv "$version" || { echo "run: ansible-core $version: environment FAILED"; rc=1; continue; }
        seed_get_pip_cache "$venv/bin/python" || { rc=1; continue; }
        # The style checks (pylint, pycodestyle, yamllint, shellcheck) judge the text, not how
        # a given ansible-core loads it; they run once, with 2.19, in the sanity step.
        (PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv" ansible_test_sanity "$dest" \
            --skip-test pylint --skip-test pep8 --skip-test yamllint --skip-test shellcheck) ||
            { echo "run: ansible-core $version: sanity FAILED"; rc=1; }
        env -u ANSIBLE_COLLECTIONS_PATH PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv" \
            "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/unit ||
            { echo "run: ansible-core $version: unit tests FAILED"; rc=1; }
    done
    return "$rc"
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
