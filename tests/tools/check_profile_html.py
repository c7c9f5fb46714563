#!/usr/bin/env python3
"""ctest check of the HTML report of `steadfast profile`, rendered in headless Chromium.

    check_profile_html.py --steadfast PATH_TO_CLI --work DIR [--chromium chromium]

Profiles the embedded model (--json and --html), then loads the page in headless Chromium
(`--dump-dom`: the DOM after parsing and scripts; `--screenshot`: the rendered pixels) and checks:
* the SVG roofline exists with both roofs and exactly one circle per profiled node, whose
  data-index values are the JSON's node indices and whose colour class matches the JSON bound;
* the table has one body row per node (same indices, names and ops as the JSON) and a totals row
  giving the node count and total MFLOP;
* the screenshot shows both roof colours (the SVG was rendered).
The checker is first run on a copy of the page with one circle removed and must reject it, so a
checker that accepts anything fails the test. Exits 77 (ctest: skipped) when Chromium is missing.
"""
import html.parser
import json
import os
import subprocess

import headless
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(ROOT, "models", "embedded", "fashion_cnn.onnx")
COMPUTE_RGB, MEMORY_RGB = (0xD6, 0x27, 0x28), (0x1F, 0x77, 0xB4)


class Page(html.parser.HTMLParser):
    """Collects the roofline's circles and polylines and the table's rows and cells."""

    def __init__(self):
        super().__init__()
        self.svg_depth = 0
        self.svgs, self.circles, self.roofs = [], [], []
        self.section = None  # thead / tbody / tfoot of table#nodes
        self.in_table = False
        self.rows = []       # (section, attrs, [cell texts])
        self.cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self.svg_depth += 1
            self.svgs.append(a)
        elif tag == "circle" and self.svg_depth:
            self.circles.append(a)
        elif tag == "polyline" and self.svg_depth:
            self.roofs.append(a.get("id"))
        elif tag == "table" and a.get("id") == "nodes":
            self.in_table = True
        elif self.in_table and tag in ("thead", "tbody", "tfoot"):
            self.section = tag
        elif self.in_table and tag == "tr":
            self.rows.append((self.section, a, []))
        elif self.in_table and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "svg":
            self.svg_depth -= 1
        elif tag == "table":
            self.in_table = False
        elif tag in ("td", "th") and self.cell is not None and self.rows:
            self.rows[-1][2].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def check_dom(dom, prof):
    """List of problems with the rendered DOM against the profile JSON."""
    problems = []
    page = Page()
    page.feed(dom)
    nodes = prof["nodes"]
    idx = sorted(n["index"] for n in nodes)
    if not any(s.get("id") == "roofline" for s in page.svgs):
        problems.append("no <svg id=roofline>")
    for roof in ("roof-memory", "roof-compute"):
        if roof not in page.roofs:
            problems.append(f"no {roof} polyline")
    circles = [c for c in page.circles if "node" in c.get("class", "").split()]
    if len(circles) != len(nodes):
        problems.append(f"{len(circles)} circles for {len(nodes)} profiled nodes")
    if sorted(int(c.get("data-index", -1)) for c in circles) != idx:
        problems.append("circle data-index values differ from the JSON node indices")
    bound = {n["index"]: n["bound"] for n in nodes}
    for c in circles:
        i = int(c.get("data-index", -1))
        if i in bound and bound[i] not in c.get("class", "").split():
            problems.append(f"circle {i} is not classed {bound[i]}")
    body = [r for r in page.rows if r[0] == "tbody"]
    if len(body) != len(nodes):
        problems.append(f"{len(body)} table rows for {len(nodes)} nodes")
    by_index = {n["index"]: n for n in nodes}
    for _, attrs, cells in body:
        n = by_index.get(int(attrs.get("data-index", -1)))
        if n is None or len(cells) < 4 or cells[1] != n["name"] or cells[2] != n["op"]:
            problems.append(f"row {attrs} {cells[:3]} does not match a JSON node")
    foot = [r for r in page.rows if r[0] == "tfoot" and r[1].get("id") == "totals"]
    if len(foot) != 1:
        problems.append("no totals row")
    else:
        cells = foot[0][2]
        if f"({len(nodes)} nodes)" not in " ".join(cells):
            problems.append(f"totals row does not give {len(nodes)} nodes: {cells}")
        mflop = f"{prof['totals']['flops'] / 1e6:.3f}"
        if mflop not in cells:
            problems.append(f"totals row lacks total MFLOP {mflop}: {cells}")
    return problems


def has_colour(png_path, rgb, tol=40):
    from PIL import Image
    img = Image.open(png_path).convert("RGB")
    for px in img.getdata():
        if all(abs(px[i] - rgb[i]) <= tol for i in range(3)):
            return True
    return False


def main():
    args, browser = headless.parse_args(__doc__)
    if not browser:
        return 77
    work = args.work
    env = dict(os.environ, STEADFAST_CACHE_DIR=os.path.join(work, "cache"))
    page, pj = os.path.join(work, "profile.html"), os.path.join(work, "profile.json")
    cmd = [args.steadfast, "profile", MODEL, "--random", "--runs", "3", "--warmup", "1",
           "--json", pj, "--html", page]
    print("$", " ".join(cmd))
    subprocess.run(cmd, env=env, check=True, timeout=300)
    prof = json.load(open(pj))

    # The checker must reject a page with one circle missing.
    text = open(page).read()
    start = text.index("<circle class=\"node")
    broken = os.path.join(work, "broken.html")
    with open(broken, "w") as f:
        f.write(text[:start] + text[text.index("</circle>", start) + len("</circle>"):])
    if not check_dom(headless.chromium(browser, ["--dump-dom"], broken), prof):
        print("FAIL: the checker accepted a page with a circle removed")
        return 1

    problems = check_dom(headless.chromium(browser, ["--dump-dom"], page), prof)
    shot = os.path.join(work, "profile.png")
    headless.chromium(browser, ["--screenshot=" + shot, "--window-size=1000,1400"], page)
    if not os.path.exists(shot):
        problems.append("no screenshot written")
    else:
        for name, rgb in (("compute roof", COMPUTE_RGB), ("memory roof", MEMORY_RGB)):
            if not has_colour(shot, rgb):
                problems.append(f"screenshot shows no {name} colour #{''.join(f'{c:02x}' for c in rgb)}")
    for p in problems:
        print("FAIL:", p)
    if problems:
        return 1
    print(f"ok: {len(prof['nodes'])} nodes, circles, rows and totals match; screenshot {shot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
