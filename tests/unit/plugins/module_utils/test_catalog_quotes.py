"""Every `source` quote in the catalog is really on the line it names.

The vendor documents sit beside the repository (``../shared/seeds``) on the
machines that build this collection; elsewhere the test is skipped. A quote
may shorten a line with ``[...]``; otherwise, after collapsing whitespace and
the document's list bullets, the quoted text must appear on that line (or run
on across the following lines of the same paragraph).
"""

import os
import re

import pytest

from ansible_collections.netreq.firewall.plugins.module_utils._model.profile import load_profile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
SEEDS = os.path.join(os.path.dirname(REPO), "shared", "seeds")
DOCUMENTS = {
    "pdq_connect": "000_2e274ec499bf022d.txt",
    "rackspace_pdr": "001_0a89398fea8b5feb.txt",
    "teradici_cas": "002_55ba48aa07127208.txt",
}


def _squash(text):
    return " ".join(text.replace("\u2022", " ").split())


@pytest.mark.skipif(not os.path.isdir(SEEDS), reason="vendor documents not beside the repository")
@pytest.mark.parametrize("profile", sorted(DOCUMENTS))
def test_quotes_match_the_vendor_lines(profile):
    with open(os.path.join(SEEDS, DOCUMENTS[profile]), encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    checked = 0
    for requirement in load_profile(profile).requirements:
        for quote in requirement.source.split(" / "):
            match = re.match(r"^L(\d+): (.*)$", quote)
            assert match, "%s: quote without a line number: %r" % (requirement.id, quote)
            number, text = int(match.group(1)), match.group(2)
            line = _squash(" ".join(lines[number - 1:number + 2]))
            for piece in text.split("[...]"):
                piece = _squash(piece)
                if piece:
                    assert piece in line, "%s: %r is not on line %d" % (requirement.id, piece, number)
            opening = _squash(text.split("[...]")[0])[:20]
            assert opening in _squash(lines[number - 1]), "%s: quote does not start on line %d" % (requirement.id, number)
            checked += 1
    assert checked >= 8
