"""Address parsing and merging, checked against independent implementations.

The fast IPv4 path must give exactly what the standard library's ``ipaddress``
gives (value, normal form, refusal), and ``merge_networks`` exactly what
netaddr's ``cidr_merge`` gives: the same blocks, so merging stays lossless.
"""

import ipaddress
import random

import netaddr
import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._model import addresses as addr


def reference_parse(text):
    """What the model accepted before it had a fast path: ipaddress, host bits refused."""
    network = ipaddress.ip_network(text.strip(), strict=True)
    return str(network.network_address) if network.num_addresses == 1 else str(network)


SPELLINGS = [
    "198.51.100.0/24", "198.51.100.7", "198.51.100.7/32", "0.0.0.0/0", "255.255.255.255", "10.0.0.0/8",
    " 203.0.113.0/25 ", "198.51.100.0/255.255.255.0", "198.51.100.0/024", "198.51.100.0/0",
    "198.51.100.5/24", "198.051.100.0/24", "256.1.1.1", "1.2.3", "1.2.3.4/33", "1.2.3.4/", "1.2.3.4.5",
    "\u0661.2.3.4", "2001:db8::/32", "2001:0db8:0000::/48", "::/0", "::1",
]


def test_ipv4_mapped_ipv6_is_refused_with_its_ipv4_form():
    """ipaddress takes ::ffff:198.51.100.7; no firewall rule written with it matches IPv4 traffic."""
    with pytest.raises(ValueError, match="IPv4-mapped.*write the IPv4 form 198.51.100.7"):
        addr.parse_network("::ffff:198.51.100.7")


@pytest.mark.parametrize("text", SPELLINGS)
def test_parse_network_agrees_with_ipaddress(text):
    try:
        expected = reference_parse(text)
    except ValueError:
        with pytest.raises(ValueError):
            addr.parse_network(text)
        return
    network = addr.parse_network(text)
    assert network.text() == expected == addr.parse_address(text)
    assert network.text(host_prefix=True) == str(ipaddress.ip_network(text.strip()))


def test_random_ipv4_spellings_agree_with_ipaddress():
    rng = random.Random(20261201)
    for _round in range(5000):
        text = "%d.%d.%d.%d" % tuple(rng.choice([0, 1, 9, 10, 99, 100, 255, 256]) for _octet in range(4))
        if rng.random() < 0.7:
            text += "/%d" % rng.choice([0, 8, 16, 23, 24, 25, 31, 32, 33])
        try:
            expected = reference_parse(text)
        except ValueError:
            with pytest.raises(ValueError):
                addr.parse_network(text)
            assert not text.endswith("/33") or not addr.is_address(text)
            continue
        assert addr.parse_remote(text, allow_wildcard=False) == expected


def test_host_bits_are_refused_with_the_network_named():
    with pytest.raises(ValueError, match="host bits set; the network is 198.51.100.0/24"):
        addr.parse_network("198.51.100.5/24")


def _random_blocks(rng, version, count):
    """Blocks crowded into a small range, so that many overlap or touch."""
    bits, base, width = (32, 10 << 24, 20) if version == 4 else (128, 0x20010db8 << 96, 16)
    blocks = []
    for _item in range(count):
        prefixlen = rng.randint(bits - width + 4, bits)
        value = base | rng.getrandbits(width)
        host = (1 << (bits - prefixlen)) - 1
        blocks.append(addr.Network(version, value & ~host, prefixlen))
    return blocks


@pytest.mark.parametrize("seed", range(20))
def test_merge_is_exactly_netaddr_cidr_merge(seed):
    rng = random.Random(seed)
    blocks = _random_blocks(rng, 4, rng.randint(0, 300)) + _random_blocks(rng, 6, rng.randint(0, 50))
    rng.shuffle(blocks)
    expected = [str(net) for net in netaddr.cidr_merge([net.text(host_prefix=True) for net in blocks])]
    assert [net.text(host_prefix=True) for net in addr.merge_networks(blocks)] == expected


def test_merge_joins_only_touching_blocks():
    nets = [addr.parse_network(text) for text in ("198.51.100.0/25", "198.51.100.128/25", "203.0.113.8", "203.0.113.10")]
    assert [net.text() for net in addr.merge_networks(nets)] == ["198.51.100.0/24", "203.0.113.8", "203.0.113.10"]
    everything = [addr.parse_network("0.0.0.0/1"), addr.parse_network("128.0.0.0/1")]
    assert [net.text() for net in addr.merge_networks(everything)] == ["0.0.0.0/0"]


def test_combine_keeps_order_and_refuses_any_with_others():
    assert addr.combine_remote(["b.example.com", "198.51.100.0/24", "b.example.com"]) == ["b.example.com", "198.51.100.0/24"]
    with pytest.raises(ValueError, match="'any' cannot be combined"):
        addr.combine_remote(["any", "198.51.100.0/24"])


@pytest.mark.parametrize("value, expected", [
    (["443", 80, "80", "1000-2000", "1000-2000"], ["80", "443", "1000-2000"]),
    (["22-22"], ["22"]),
])
def test_port_normalization(value, expected):
    assert addr.normalize_ports(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("8.8.8.8/32", "8.8.8.8"),
    ("[2600:1901:0:181b::]", None),
    ("2600:1901:0000:181b:0000:0000:0000:0000", "2600:1901:0:181b::"),
    ("0.0.0.0/0", "0.0.0.0/0"),
    ("ANY", "any"),
    ("*.IslOnline.net", "*.islonline.net"),
])
def test_remote_normalization(value, expected):
    if expected is None:
        with pytest.raises(ValueError):
            addr.parse_remote(value, allow_wildcard=True)
    else:
        assert addr.parse_remote(value, allow_wildcard=True) == expected


def test_compile_and_render_parse_each_address_once(monkeypatch):
    """Large parameter lists stay fast only if no layer parses an address twice."""
    from ansible_collections.netreq.firewall.plugins.module_utils._model.rules import compile_rules
    from ansible_collections.netreq.firewall.plugins.module_utils._render._registry import render

    literals = ["10.%d.%d.0/24" % (index // 100, 2 * (index % 100)) for index in range(300)]
    cidrs = ["198.51.100.%d/32" % index for index in range(0, 40, 2)]
    profile = {
        "schema_version": 1, "name": "many", "vendor": "v", "product": "p",
        "parameters": {"cidrs": {"type": "addresses", "required": True}},
        "components": {"host": {"description": "d"}},
        "requirements": [{"id": "many", "component": "host", "direction": "egress", "protocols": ["tcp", "udp"],
                          "ports": [443], "remote": literals + ["{{ cidrs }}"], "description": "d", "source": "s"}],
    }
    calls = []
    original = addr._fast_ipv4  # pylint: disable=protected-access

    def counting(text):
        calls.append(text)
        return original(text)

    monkeypatch.setattr(addr, "_fast_ipv4", counting)
    rules = compile_rules(profile, params={"cidrs": cidrs})
    assert len(calls) == len(literals) + len(cidrs)  # validation parses; compiling reuses
    del calls[:]
    result = render("nftables", rules[:1])
    assert len(calls) == len(literals) + len(cidrs)  # the renderer parses each Rule entry once
    assert "10.2.198.0/24" in result["ruleset"] and "198.51.100.38" in result["ruleset"]
