#!/usr/bin/env python
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Open a report page of playbooks/report.yml in headless Chromium and check what a reader would see.

One run of a real browser, with a fresh profile directory and every
background service of Chromium off (only the file:// page is opened), gives:

* ``--dump-dom``: the DOM Chromium built from the page. It must hold the
  expected number of elements carrying ``--marker`` (table rows), each
  ``--expect`` text, no ``<script`` element at all, and each ``--literal``
  text as *text* (Chromium serializes text with ``<`` as ``&lt;``, so a
  profile's ``<script>`` shows up escaped only if it never became markup).
* ``--screenshot``: a PNG of ``--size``; it must have exactly that size and
  not be blank (enough pixels that are not the background, several colours).

Exit 0 when every check passes, 1 with the reasons otherwise.
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-default-apps", "--disable-extensions", "--hide-scrollbars"]


def chromium(binary, url, extra, timeout):
    profile = tempfile.mkdtemp(prefix="netreq-chromium-")
    try:
        run = subprocess.run([binary] + CHROMIUM_FLAGS + ["--user-data-dir=" + profile] + extra + [url],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, check=False)
        return run.returncode, run.stdout.decode("utf-8", "replace"), run.stderr.decode("utf-8", "replace")
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def png_pixels(path):
    """``(width, height, rows of (r, g, b) tuples)`` of an 8-bit RGB or RGBA PNG, unfiltered."""
    with open(path, "rb") as stream:
        data = stream.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _c, _f, interlace = header
    if depth != 8 or color not in (2, 6) or interlace:
        raise ValueError("unexpected PNG format (depth %d, colour type %d, interlace %d)" % (depth, color, interlace))
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            corner = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, channels)])
        previous = line
    return width, height, rows


def check_page(args, problems):
    """One Chromium run: the DOM it built (stdout of --dump-dom) and its screenshot."""
    width, height = (int(value) for value in args.size.split(","))
    if os.path.exists(args.png):
        os.unlink(args.png)
    rc, dom, err = chromium(args.chromium, "file://" + os.path.abspath(args.page),
                            ["--dump-dom", "--screenshot=" + os.path.abspath(args.png),
                             "--window-size=%d,%d" % (width, height)], args.timeout)
    if rc != 0 or "<html" not in dom:
        problems.append("chromium --dump-dom failed (rc %d): %s" % (rc, err.strip()[-500:]))
    else:
        check_dom(args, dom, problems)
    if not os.path.exists(args.png):
        problems.append("chromium --screenshot wrote no file (rc %d): %s" % (rc, err.strip()[-500:]))
    else:
        check_screenshot(args, (width, height), problems)


def check_dom(args, dom, problems):
    if args.marker:
        count = dom.count(args.marker)
        if count != args.rows:
            problems.append("%d elements with %r in the DOM, expected %d" % (count, args.marker, args.rows))
    if "<script" in dom.lower():
        problems.append("the DOM holds a <script> element")
    for text in args.expect:
        if text not in dom:
            problems.append("the DOM lacks %r" % text)
    for text in args.literal:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if escaped not in dom:
            problems.append("the text %r is not shown as text (no %r in the DOM)" % (text, escaped))
        if "<" in text and text in dom:
            problems.append("the text %r became markup" % text)
    print("DOM: %d characters, %d x %r" % (len(dom), dom.count(args.marker) if args.marker else 0, args.marker))


def check_screenshot(args, size, problems):
    got_width, got_height, rows = png_pixels(args.png)
    if (got_width, got_height) != size:
        problems.append("screenshot is %dx%d, expected %dx%d" % ((got_width, got_height) + tuple(size)))
    counts = {}
    for row in rows:
        for pixel in row:
            counts[pixel] = counts.get(pixel, 0) + 1
    background, most = max(counts.items(), key=lambda item: item[1])
    inked = 1.0 - float(most) / (got_width * got_height)
    if len(counts) < 4 or inked < args.min_ink:
        problems.append("screenshot looks blank: %d colours, %.2f%% not background %r" % (len(counts), inked * 100, background))
    print("screenshot: %dx%d, %d colours, %.2f%% inked" % (got_width, got_height, len(counts), inked * 100))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", required=True)
    parser.add_argument("--page", required=True, help="the HTML file")
    parser.add_argument("--marker", help="text marking one expected element, e.g. 'class=\"host\"'")
    parser.add_argument("--rows", type=int, default=0, help="how many times the marker must occur")
    parser.add_argument("--expect", action="append", default=[], help="text the DOM must contain")
    parser.add_argument("--literal", action="append", default=[], help="text that must be shown as text, not markup")
    parser.add_argument("--png", required=True, help="where to write the screenshot")
    parser.add_argument("--size", default="1280,900")
    parser.add_argument("--min-ink", type=float, default=0.01, help="least share of pixels not of the background colour")
    parser.add_argument("--timeout", type=int, default=90)
    args = parser.parse_args()
    problems = []
    check_page(args, problems)
    if problems:
        print("\n".join("FAIL: " + problem for problem in problems))
        return 1
    print("OK: %s" % args.page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
