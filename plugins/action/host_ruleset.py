# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller half of netreq.firewall.host_ruleset: compile and render here, apply in one batch on the host.

Compiling and rendering need netaddr and the catalog, which live on the
controller; detecting the host's firewall needs the host. Doing both in one
task spares a fact-gathering call: the rules are rendered for every backend
the host might run, and the module picks the one it finds.

An unchanged host is the common case, so it gets the smallest possible call:
``host_ruleset_memo`` (detection, one cheap read, the memo) answers it, and
the applier module, about three times the code to ship and compile, is sent
only when that misses. A no-op is one small remote call, a change two. The
memo's key is made from the compiled rules, the options and the rendering
code, so a no-op renders nothing either; the rendering is made on a miss.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import zlib

from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.netreq.firewall.plugins.module_utils._model.errors import NetreqError
from ansible_collections.netreq.firewall.plugins.module_utils._apply.fingerprint import digest
from ansible_collections.netreq.firewall.plugins.module_utils._apply.host_args import ARGUMENT_SPEC as HOST_ARGUMENT_SPEC, HOST_APPLY_SPEC
from ansible_collections.netreq.firewall.plugins.module_utils._apply.host_args import OVERRIDES_SPEC
from ansible_collections.netreq.firewall.plugins.module_utils._live.flows import RULE_KEYS as FLOW_RULE_KEYS
from ansible_collections.netreq.firewall.plugins.module_utils._model.backends import LINUX_HOST_BACKENDS
from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import check_rules, compile_selections
from ansible_collections.netreq.firewall.plugins.module_utils._apply.noop_memo import memo_key
from ansible_collections.netreq.firewall.plugins.plugin_utils._proxy import squid
from ansible_collections.netreq.firewall.plugins.module_utils._render._base import split_remote
from ansible_collections.netreq.firewall.plugins.module_utils._render._registry import render, renderer, renderer_options
from ansible_collections.netreq.firewall.plugins.plugin_utils._answer_bound import NoAnswer, answer_within

# The Linux host backends, from the backend registry; only their renderers are imported.
HOST_BACKENDS = LINUX_HOST_BACKENDS
# Imported with this plugin, in Ansible's main process, so forked workers (one per host)
# inherit them instead of each compiling them again.
HOST_RENDERERS = tuple(renderer(name) for name in HOST_BACKENDS)
# host_ruleset's options, as the module declares them (the module itself is not imported
# here: it would bring every applier into the controller's process)
ARGUMENT_SPEC = dict(HOST_ARGUMENT_SPEC, **dict(HOST_APPLY_SPEC, **OVERRIDES_SPEC))


# Renderer options the task sets from its own options, not through render_options.
TASK_OPTIONS = ("ingress_policy", "egress_policy", "fqdn_strategy", "wildcard_fallback", "management")


def host_options(backend, args):
    """``{backend: its renderer options}`` for the requested backend, or for every host backend with auto."""
    candidates = HOST_BACKENDS if backend == "auto" else (backend,)
    accepted = dict((name, renderer_options(name)) for name in candidates)
    wanted = dict(args["render_options"])
    known = set().union(*accepted.values())
    unknown = sorted(set(wanted) - known)
    if unknown:
        raise AnsibleActionFail("render_options: unknown option(s) %s for backend %s; valid: %s"
                                % (", ".join(unknown), backend, ", ".join(sorted(known - set(TASK_OPTIONS)))))
    options = {}
    for name in candidates:
        options[name] = dict((key, value) for key, value in wanted.items() if key in accepted[name])
        options[name].update((key, args.get(key)) for key in TASK_OPTIONS)
    return options


def _names(rule):
    """The host names and wildcards among a rule's remotes."""
    _any, _ipv4, _ipv6, fqdns, wildcards = split_remote(rule)
    return fqdns + wildcards


_RENDER_CODE = []


def render_code_digest():
    """A digest of the code that renders: every module under module_utils and plugin_utils, and this plugin.

    Part of every memo key: a memo recorded by another version of the
    collection never answers, so after an upgrade each host compares in full once.
    """
    if not _RENDER_CODE:
        plugins = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        paths = [os.path.abspath(__file__)]
        for utils in ("module_utils", "plugin_utils"):
            for folder, dirs, files in os.walk(os.path.join(plugins, utils)):
                dirs[:] = sorted(name for name in dirs if name != "__pycache__")
                paths.extend(os.path.join(folder, name) for name in sorted(files) if name.endswith(".py"))
        code = hashlib.sha256()
        for path in paths:
            with open(path, "rb") as stream:
                code.update(os.path.relpath(path, plugins).encode("utf-8") + b"\0" + stream.read() + b"\0")
        _RENDER_CODE.append(code.hexdigest())
    return _RENDER_CODE[0]


def memo_candidates(rules, options):
    """``{backend: {key, fingerprint}}``: the no-op memo each backend in ``options`` would answer from.

    Known before anything is rendered (see ``_apply/noop_memo.memo_key``), so an
    unchanged host costs no rendering. Names resolved on the host get none: the
    refresher changes their sets between runs, so those runs compare in full.
    A backend whose options are wrong gets none either; rendering it says why.
    """
    if any(opts["fqdn_strategy"] == "resolve" for opts in options.values()) and any(_names(rule) for rule in rules):
        return {}
    code, rules_digest = render_code_digest(), digest(rules)
    memos = {}
    for name, opts in options.items():
        try:
            scope = renderer(name).memo_scope(opts)
        except NetreqError:
            continue
        memos[name] = {"key": memo_key(name, rules_digest, opts, code), "fingerprint": scope}
    return memos


def render_for_host(rules, backend, args, memos=None):
    """``{backend: {params, resolve[, memo]} | {error}}`` for the requested backend, or every host backend with auto.

    ``memos`` are the ``memo_candidates`` of these rules, computed here when not given.
    """
    options = host_options(backend, args)
    if memos is None:
        memos = memo_candidates(rules, options)
    renderings = {}
    rules = check_rules(rules)  # once for every candidate backend
    for name, opts in options.items():
        try:
            rendering = render(name, rules, **opts)
        except NetreqError as exc:
            if backend != "auto":
                raise AnsibleActionFail("netreq.firewall.host_ruleset: %s" % exc)
            renderings[name] = {"error": str(exc)}
            continue
        renderings[name] = {
            "params": renderer(name).applier_params(rendering, opts),
            "resolve": {"entries": rendering["resolve_sets"], "widenings": rendering["widenings"],
                        "proxy_allowlist": rendering["proxy_allowlist"]}}
        if name in memos and not rendering["resolve_sets"]:
            renderings[name]["memo"] = memos[name]
    if all("error" in item for item in renderings.values()):
        raise AnsibleActionFail("netreq.firewall.host_ruleset: no backend can apply these rules: %s"
                                % "; ".join(item["error"] for item in renderings.values()))
    return renderings


def pack_renderings(renderings):
    """The renderings as one compressed string.

    With ``auto`` they hold every backend's rendering: about 600 KB of JSON for a
    thousand rules, which Ansible would otherwise serialize, ship and parse value
    by value. As one zlib-compressed base64 string they are about a tenth of that
    and cross in one piece.
    """
    return base64.b64encode(zlib.compress(json.dumps(renderings, sort_keys=True).encode("utf-8"))).decode("ascii")


def proxy_result(rendering):
    """The ``proxy`` result key of a rendering that leaves names to a forward proxy, else None."""
    allowlist = ((rendering or {}).get("resolve") or {}).get("proxy_allowlist")
    if not allowlist:
        return None
    snippet = squid(allowlist)
    return {"allowlist": allowlist, "squid": snippet["config"], "skipped": snippet["skipped"]}


def answer_bound(args, task_timeout):
    """Seconds to wait for the host's answer (0: unbounded).

    A task-level ``timeout`` is Ansible's own bound, on the same alarm. With a
    confirm timeout, at most half of it: the confirmation of every host of a
    play waits for the slowest answer, and must reach each host before its own
    restore timer runs out.
    """
    if task_timeout:
        return 0
    bound, confirm = args.get("answer_timeout") or 0, args.get("confirm_timeout") or 0
    if bound > 0 and confirm > 0:
        return min(bound, max(confirm // 2, 1))
    return bound


def cut_off_message(module, args, what):
    """What a task whose connection died during the apply says: what probably happened and what to do about it."""
    allowlists = [direction for direction in ("ingress", "egress") if args.get("%s_policy" % direction) == "allowlist"]
    if allowlists:
        cause = ("The new rule set (%s allowlist) is probably in place and drops the packets of the connection that "
                 "carries it. Keep the management connection allowed: the module option management (its replies under an "
                 "egress allowlist) and, under an ingress allowlist, a rule for the management port (the host_firewall "
                 "role's host_firewall_management_port and host_firewall_management_sources set both)."
                 % " and ".join(allowlists))
    else:
        cause = "No allowlist was asked for, so the host or the network is slow or down rather than cut off by these rules."
    confirm = args.get("confirm_timeout") or 0
    if confirm > 0:
        undo = "The host restores its previous rule set by itself within %d s of the apply (confirm_timeout)." % confirm
    else:
        undo = ("Nothing restores the previous rule set by itself (confirm_timeout is 0): check the host from its "
                "console, or set confirm_timeout so that a change that cuts the controller off undoes itself.")
    return "%s: %s. %s %s" % (module, what, cause, undo)


class ActionModule(ActionBase):
    """Compile + render on the controller, then run the module once on the host."""

    TRANSFERS_FILES = False
    # the module run on the host and its options; a read-only twin (host_ruleset_info) subclasses this with its own
    MODULE = "netreq.firewall.host_ruleset"
    SPEC = ARGUMENT_SPEC
    _VALID_ARGS = frozenset(name for name in SPEC if name != "renderings")
    # whether the compiled rules travel along with the renderings
    SEND_RULES = False
    # the small module that answers an unchanged host from its no-op memo before MODULE is sent; None: never
    MEMO_MODULE = "netreq.firewall.host_ruleset_memo"
    # whether the result carries the Squid allow-list of the names left to a proxy
    PROXY_RESULT = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        spec = {name: value for name, value in self.SPEC.items() if name != "renderings"}
        validated = ArgumentSpecValidator(spec).validate(dict(self._task.args))
        if validated.error_messages:
            raise AnsibleActionFail("%s: %s" % (self.MODULE, "; ".join(validated.error_messages)))
        args = validated.validated_parameters
        expired = []  # options whose expiry has passed: left out (so removed) with a warning, not an error
        try:
            rules = compile_selections(args["profiles"], warnings=expired)
        except NetreqError as exc:
            raise AnsibleActionFail("%s: %s" % (self.MODULE, exc))
        memos = memo_candidates(rules, host_options(args["backend"], args)) if self.MEMO_MODULE else {}
        module_args = {key: value for key, value in args.items() if value is not None}
        rendering = None
        try:
            with answer_within(answer_bound(args, self._task.timeout)):
                outcome = self._recall_noop(args, memos, task_vars)
                from_memo = outcome is not None
                if not from_memo:
                    backends = render_for_host(rules, args["backend"], args, memos)
                    payload = {"rules_compiled": len(rules), "backends": backends}
                    if self.SEND_RULES:
                        payload["rules"] = rules
                    elif args.get("overrides", "ignore") != "ignore":
                        # what the override check needs of each rule, not its texts
                        payload["flows"] = [{key: rule[key] for key in FLOW_RULE_KEYS} for rule in rules]
                    try:
                        outcome = self._execute_module(module_name=self.MODULE, task_vars=task_vars,
                                                       module_args=dict(module_args, renderings=pack_renderings(payload)))
                    except AnsibleConnectionFailure as exc:
                        # still unreachable, but saying why the connection may have died under this apply
                        raise AnsibleConnectionFailure("%s %s" % (getattr(exc, "message", exc), cut_off_message(
                            self.MODULE, args, "the connection was lost while the rules were applied")))
                    rendering = backends.get(outcome.get("backend"))
        except NoAnswer as exc:
            self._cut_off = True
            self._reset_connection()
            raise AnsibleActionFail(cut_off_message(
                self.MODULE, args, "the host did not answer within %d s (answer_timeout); the connection was reset" % exc.seconds))
        if from_memo:
            outcome.update(rules_compiled=len(rules), invocation={"module_args": module_args})
            # names left to a proxy: the allow-list comes from the rendering, of the one backend that answered
            leaves_names_to_proxy = "proxy" in (args["fqdn_strategy"], args["wildcard_fallback"])
            rendering = (render_for_host(rules, outcome["backend"], args, memos)[outcome["backend"]]
                         if self.PROXY_RESULT and leaves_names_to_proxy else None)
        proxy = self.PROXY_RESULT and proxy_result(rendering)
        if proxy and not outcome.get("failed"):
            outcome["proxy"] = proxy
        result.update(outcome)
        if expired:
            result["warnings"] = expired + list(result.get("warnings") or [])
        return result

    _cut_off = False

    def cleanup(self, force=False):
        """Leave the remote temporary directory alone when the host stopped answering.

        Removing it would open a new connection that the same rule set cuts, and
        its failure would replace the task's message with a bare "unreachable".
        """
        if not self._cut_off:
            super().cleanup(force)

    def _reset_connection(self):
        """Close the connection whose answer never came, so the next task opens a new one (best effort)."""
        try:
            self._connection.reset()
        except Exception as exc:  # pylint: disable=broad-exception-caught  # any failure here must not hide the timeout
            self._display.warning("could not reset the connection after the timeout: %s" % exc)

    def _recall_noop(self, args, candidates, task_vars):
        """The run's result when the host's no-op memo answers for it, else None (the full module runs).

        Diff mode always compares in full: it prints both states.
        """
        if self.MEMO_MODULE is None or self._task.diff or not candidates:
            return None
        answer = self._execute_module(module_name=self.MEMO_MODULE, task_vars=task_vars,
                                      module_args={"backend": args["backend"], "candidates": candidates})
        if answer.get("failed") or not answer.get("hit"):
            return None
        return {"changed": False, "backend": answer["backend"], "detected": args["backend"] == "auto",
                "compared": "memo", "plan": answer["plan"], "commands": []}
