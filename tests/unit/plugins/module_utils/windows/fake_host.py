"""A stand-in for the NetSecurity cmdlets over the facts module's JSON, for planning tests.

No PowerShell can run where these tests run. To check that the planned
operations and, above all, their inverses are right, this runs them against
a host state in the facts shape: a run followed by a new read must plan
nothing, and a run that fails half way followed by the inverses must give the
state read before. It models only what the operations touch, with Windows'
documented behaviour for those cmdlets (a rule Name is unique, creating one
that exists fails, New-NetFirewallRule fills unset filters with Any).
"""

import copy


class CmdletError(Exception):
    pass


def _rule_from_params(params):
    def _list(key):
        value = params.get(key, "Any")
        return list(value) if isinstance(value, list) else [value]
    return {
        "Name": params["Name"], "DisplayName": params.get("DisplayName", params["Name"]),
        "Group": params.get("Group", ""), "Description": params.get("Description", ""),
        "Enabled": params.get("Enabled", "True"), "Direction": params["Direction"],
        "Action": params.get("Action", "Allow"), "Profile": params.get("Profile", "Any"),
        "PortFilter": {"Protocol": params.get("Protocol", "Any"), "LocalPort": _list("LocalPort"),
                       "RemotePort": _list("RemotePort"), "IcmpType": _list("IcmpType")},
        "AddressFilter": {"LocalAddress": _list("LocalAddress"), "RemoteAddress": _list("RemoteAddress")},
        "RemoteDynamicKeywordAddresses": list(params.get("RemoteDynamicKeywordAddresses") or []),
    }


class FakeHost(object):
    """Holds a facts-shaped state; ``run`` executes operations like the apply module does."""

    def __init__(self, facts, fail_at=None):
        self.facts = copy.deepcopy(facts)
        self.facts.pop("_comment", None)
        self.fail_at = fail_at  # the index of the operation whose cmdlet fails
        self.calls = []

    def _find(self, name):
        for index, rule in enumerate(self.facts["rules"]):
            if rule["Name"].lower() == name.lower():
                return index
        raise CmdletError("No MSFT_NetFirewallRule objects found with property 'InstanceID' equal to '%s'" % name)

    def invoke(self, op, params):
        self.calls.append((op, copy.deepcopy(params)))
        rules = self.facts["rules"]
        if op == "new_rule":
            if any(rule["Name"].lower() == params["Name"].lower() for rule in rules):
                raise CmdletError("Cannot create a file when that file already exists.")
            rules.append(_rule_from_params(params))
        elif op == "set_rule":
            rule = rules[self._find(params["Name"])]
            merged = {"Name": rule["Name"], "DisplayName": rule["DisplayName"], "Group": rule["Group"],
                      "Description": rule["Description"], "Enabled": rule["Enabled"], "Direction": rule["Direction"],
                      "Action": rule["Action"], "Profile": rule["Profile"],
                      "RemoteDynamicKeywordAddresses": rule["RemoteDynamicKeywordAddresses"]}
            merged.update(rule["PortFilter"])
            merged.update(rule["AddressFilter"])
            merged.update(params)
            rules[self._find(params["Name"])] = _rule_from_params(merged)
        elif op == "remove_rule":
            del rules[self._find(params["Name"])]
        elif op == "set_profile":
            profile = [item for item in self.facts["profiles"] if item["Name"] == params["Name"]][0]
            profile.update((key, value) for key, value in params.items() if key != "Name")
        elif op == "new_keyword":
            if any(item["Id"].lower() == params["Id"].lower() for item in self.facts["dynamic_keywords"]):
                raise CmdletError("keyword exists")
            self.facts["dynamic_keywords"].append(dict(params))
        elif op == "remove_keyword":
            before = len(self.facts["dynamic_keywords"])
            self.facts["dynamic_keywords"] = [item for item in self.facts["dynamic_keywords"]
                                              if item["Id"].lower() != params["Id"].lower()]
            if len(self.facts["dynamic_keywords"]) == before:
                raise CmdletError("no such keyword")
        else:
            raise CmdletError("unknown operation %s" % op)

    def run(self, operations):
        """What windows_ruleset_apply.ps1 does: the result keys it returns, on success or failure."""
        done = []
        for index, item in enumerate(operations):
            try:
                if index == self.fail_at:
                    raise CmdletError("The parameter is incorrect.")
                self.invoke(item["op"], item["params"])
            except CmdletError as exc:
                restored, not_restored = [], []
                for undone in reversed(done):
                    try:
                        self.invoke(undone["undo"]["op"], undone["undo"]["params"])
                        restored.append(undone["what"])
                    except CmdletError as undo_exc:
                        not_restored.append("%s: %s" % (undone["what"], undo_exc))
                return {"failed": True, "changed": bool(done), "msg": 'windows apply failed at "%s": %s' % (item["what"], exc),
                        "failed_operation": item["what"], "completed": [entry["what"] for entry in done],
                        "restored": restored, "not_restored": not_restored}
            done.append(item)
        return {"changed": bool(done), "completed": [entry["what"] for entry in done], "after": copy.deepcopy(self.facts)}
