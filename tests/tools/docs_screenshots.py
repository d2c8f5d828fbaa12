#!/usr/bin/env python
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Screenshots of the built docs site in headless Chromium: the index and one profile page.

    python tests/tools/docs_screenshots.py --chromium PATH            # into .build/docs/screenshots/
    python tests/tools/docs_screenshots.py --chromium PATH --update   # and copy them to docs/screenshots/

``tests/run.sh docs`` runs it after the build: each page must render in a
real browser to a non-blank PNG of the window size, showing the text a reader
looks for (the guides on the index, the vendor lines on the profile page).
Run with ``--update`` to refresh the copies checked in under ``docs/screenshots/``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from check_report_html import check_screenshot, chromium  # noqa: E402  pylint: disable=wrong-import-position

REPO = os.path.dirname(os.path.dirname(HERE))
HTML = os.path.join(REPO, ".build", "docs", "build", "html")
OUT = os.path.join(REPO, ".build", "docs", "screenshots")
CHECKED_IN = os.path.join(REPO, "docs", "screenshots")
# (page under the site, screenshot name, texts the page must show)
PAGES = [
    ("index.html", "docs-index.png", ["Getting started", "Built-in profiles", "Host names"]),
    ("docsite/profile_rackspace_pdr.html", "docs-profile-rackspace_pdr.png", ["appliance_out_ntp_us", "204.110.219.96/27"]),
]


def _page_path(relative):
    path = os.path.join(HTML, relative)
    if os.path.isfile(path):
        return path
    # antsibull-docs' layout may put the docsite pages beside the index
    flat = os.path.join(HTML, os.path.basename(relative))
    return flat if os.path.isfile(flat) else path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", required=True)
    parser.add_argument("--size", default="1280,900")
    parser.add_argument("--update", action="store_true", help="copy the screenshots to docs/screenshots/")
    args = parser.parse_args()
    args.min_ink = 0.01
    width, height = (int(value) for value in args.size.split(","))
    os.makedirs(OUT, exist_ok=True)
    problems = []
    for relative, name, texts in PAGES:
        page = _page_path(relative)
        if not os.path.isfile(page):
            problems.append("%s: not built" % relative)
            continue
        args.png = os.path.join(OUT, name)
        if os.path.exists(args.png):
            os.unlink(args.png)
        flags = ["--dump-dom", "--screenshot=" + args.png, "--window-size=%d,%d" % (width, height)]
        rc, dom, err = chromium(args.chromium, "file://" + page, flags, 120)
        if rc != 0 or not os.path.exists(args.png):
            problems.append("%s: chromium failed (rc %d): %s" % (relative, rc, err.strip()[-500:]))
            continue
        problems.extend("%s: the page lacks %r" % (relative, text) for text in texts if text not in dom)
        found = []
        check_screenshot(args, (width, height), found)
        problems.extend("%s: %s" % (relative, problem) for problem in found)
        if args.update:
            os.makedirs(CHECKED_IN, exist_ok=True)
            shutil.copyfile(args.png, os.path.join(CHECKED_IN, name))
    for problem in problems:
        print("docs_screenshots: %s" % problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
