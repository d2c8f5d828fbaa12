"""One hand-built Rule (the contract of _model.RULE_KEYS) for renderer tests.

Renderer tests feed rules they write themselves rather than compiled ones, so
each case shows exactly the input it checks; this keeps the shape in one place.
"""


def make_rule(rule_id, direction="egress", protocol="tcp", ports=None, remote=None, profile="rackspace_pdr",
              component="appliance", description="test rule", expires=None):
    return {
        "id": rule_id, "profile": profile, "component": component, "direction": direction,
        "protocol": protocol, "ports": list(ports or []), "remote": list(remote or ["any"]),
        "description": description, "source": "L1: test", "optional": False,
        "temporary": expires is not None, "expires": expires,
    }
