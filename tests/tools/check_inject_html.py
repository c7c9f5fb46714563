#!/usr/bin/env python3
"""ctest check of the HTML report of `steadfast inject`, rendered in headless Chromium.

    check_inject_html.py --steadfast PATH_TO_CLI --work DIR [--chromium chromium]

Runs a small campaign on the embedded model (every layer, random inputs) with --json and --html in
the same run, loads the page in headless Chromium (`--dump-dom`: the DOM as the browser built it;
`--screenshot`: the rendered pixels) and checks against the JSON:
* the three charts are <svg role="img"> with an aria-label and a <title>;
* the per-layer chart has exactly one bar group per per_layer entry, labelled with the layer's
  name, and every segment's length (width / data-plot-length * data-scale-max) is the JSON rate
  of its class within the rounding of the coordinates; the whisker spans the JSON interval;
* the overall bar's segments and the outcome table's percentages are the JSON's outcome rates;
* the per-bit chart has one column group per single-bit entry, heights equal to the JSON rates;
* the layer table has one body row per layer;
* the screenshot is a PNG with many distinct colours, the SDC-safe and SDC-critical ones among
  them (decoded with the standard library only: zlib and struct).
The checker is first run on copies of the page with one layer's bar removed and with one bar
lengthened, and must reject both. An --html path that cannot be written must exit 2 with a
message naming it. Exits 77 (ctest: skipped) when Chromium is missing.
"""
import html.parser
import json
import os
import re
import struct
import subprocess

import headless
import sys
import zlib

SDC_SAFE_RGB, SDC_CRITICAL_RGB = (0xF2, 0xB1, 0x34), (0xD6, 0x27, 0x28)
OUTCOMES = ("masked", "sdc_safe", "sdc_critical", "due")
VISIBLE = OUTCOMES[1:]  # the classes stacked in the per-layer and per-bit charts
LABEL_CHARS = 48        # report_html.cpp's kLabelChars: longer names keep their tail
PX = 0.011              # coordinates have two decimals: start and end each within 0.005 px


class Page(html.parser.HTMLParser):
    """The report's SVGs with their groups and rects, and the tables' rows and cells."""

    def __init__(self):
        super().__init__()
        self.svgs = {}        # id -> {"attrs", "titles", "groups": [{"attrs", "rects", "lines", "labels"}]}
        self.svg = None
        self.group = None
        self.text = None      # [attrs, text] of the <text> or <title> being read
        self.tables = {}      # id -> [(section, tr attrs, [(td attrs, text)])]
        self.table = None
        self.section = None
        self.cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self.svg = {"attrs": a, "titles": [], "groups": []}
            self.svgs[a.get("id")] = self.svg
        elif self.svg is not None and tag == "g" and a.get("class") in ("layer", "bit", "row"):
            # A group runs to the next one: whiskers nest a <g>, and nothing follows the groups.
            self.group = {"attrs": a, "rects": [], "lines": [], "labels": []}
            self.svg["groups"].append(self.group)
        elif self.svg is not None and tag == "rect" and self.group is not None:
            self.group["rects"].append(a)
        elif self.svg is not None and tag == "line" and self.group is not None:
            self.group["lines"].append(a)
        elif self.svg is not None and tag in ("text", "title"):
            self.text = [tag, a, ""]
        elif tag == "table":
            self.table = self.tables.setdefault(a.get("id"), [])
        elif self.table is not None and tag in ("thead", "tbody", "tfoot"):
            self.section = tag
        elif self.table is not None and tag == "tr":
            self.table.append((self.section, a, []))
        elif self.table is not None and tag in ("td", "th"):
            self.cell = [a, ""]

    def handle_endtag(self, tag):
        if tag == "svg":
            self.svg = self.group = None
        elif tag in ("text", "title") and self.text is not None:
            kind, a, text = self.text
            if kind == "title" and self.group is None:
                self.svg["titles"].append(text)
            elif kind == "text" and "label" in a.get("class", "").split() and self.group is not None:
                self.group["labels"].append(text)
            self.text = None
        elif tag == "table":
            self.table = self.section = None
        elif tag in ("td", "th") and self.cell is not None and self.table:
            self.table[-1][2].append((self.cell[0], self.cell[1].strip()))
            self.cell = None

    def handle_data(self, data):
        if self.text is not None:
            self.text[2] += data
        if self.cell is not None:
            self.cell[1] += data


def label_of(name):
    return name if len(name) <= LABEL_CHARS else "\u2026" + name[-(LABEL_CHARS - 1):]


def non_masked(group):
    return group["vulnerability"]


def scale_of(svg):
    a = svg["attrs"]
    return float(a["data-scale-max"]), float(a["data-plot-start"]), float(a["data-plot-length"])


def check_segments(where, rects, group, classes, length_attr, scale_max, plot_len, problems):
    """Each class's rect has the group's rate as its length along the scale."""
    tol = PX * scale_max / plot_len
    for cls in classes:
        segs = [r for r in rects if r.get("class", "").split() == ["seg", cls]]
        if len(segs) != 1:
            problems.append(f"{where}: {len(segs)} {cls} segments")
            continue
        rate = float(segs[0][length_attr]) / plot_len * scale_max
        want = group[cls]["rate"] if isinstance(group[cls], dict) else group[cls]
        if abs(rate - want) > tol:
            problems.append(f"{where}: {cls} bar length gives rate {rate:.5f}, JSON has {want:.5f}")


def check_svgs(page, problems):
    for sid in ("overall", "per-layer", "per-bit"):
        svg = page.svgs.get(sid)
        if svg is None:
            problems.append(f"no <svg id={sid}>")
            continue
        a = svg["attrs"]
        if a.get("role") != "img" or not a.get("aria-label") or not svg["titles"]:
            problems.append(f"svg {sid} lacks role=img, aria-label or <title>")


def check_layers(page, s, problems):
    svg = page.svgs.get("per-layer")
    if svg is None:
        return
    layers = s["per_layer"]
    groups = [g for g in svg["groups"] if g["attrs"].get("class") == "layer"]
    if len(groups) != len(layers):
        problems.append(f"{len(groups)} layer bars for {len(layers)} per_layer entries")
    scale_max, x0, plot_len = scale_of(svg)
    if scale_max < max(non_masked(l)["ci95"][1] for l in layers) - 1e-9:
        problems.append(f"per-layer axis ends at {scale_max}, below an interval end")
    for g in groups:
        k = int(g["attrs"].get("data-index", -1))
        if not 0 <= k < len(layers):
            problems.append(f"layer bar with data-index {k}")
            continue
        l = layers[k]
        where = f"layer {k} {l['layer']!r}"
        if g["labels"] != [label_of(l["layer"])]:
            problems.append(f"{where}: labels {g['labels']}")
        check_segments(where, g["rects"], l, VISIBLE, "width", scale_max, plot_len, problems)
        lo, hi = non_masked(l)["ci95"]
        if not g["lines"]:
            problems.append(f"{where}: no whisker")
        elif (abs(float(g["lines"][0]["x1"]) - (x0 + lo / scale_max * plot_len)) > PX or
              abs(float(g["lines"][0]["x2"]) - (x0 + hi / scale_max * plot_len)) > PX):
            problems.append(f"{where}: whisker {g['lines'][0]} is not the interval [{lo}, {hi}]")
    rows = [r for r in page.tables.get("layers", []) if r[0] == "tbody"]
    if len(rows) != len(layers):
        problems.append(f"{len(rows)} layer table rows for {len(layers)} layers")


def check_overall(page, s, problems):
    svg = page.svgs.get("overall")
    if svg is not None:
        scale_max, _, plot_len = scale_of(svg)
        rows = [g for g in svg["groups"] if g["attrs"].get("data-row") == "sampled"]
        if len(rows) != 1:
            problems.append(f"{len(rows)} sampled rows in the overall bar")
        else:
            check_segments("overall bar", rows[0]["rects"], s["outcomes"], OUTCOMES, "width", scale_max,
                           plot_len, problems)
    shown = {}
    for _, attrs, cells in page.tables.get("outcomes", []):
        for cell_attrs, text in cells:
            if cell_attrs.get("class") == "pct":
                shown[attrs.get("data-outcome")] = text
    for o in OUTCOMES:
        want = f"{100 * s['outcomes'][o]['rate']:.2f}%"
        if shown.get(o) != want:
            problems.append(f"outcome table shows {o} {shown.get(o)}, JSON gives {want}")


def check_bits(page, s, problems):
    svg = page.svgs.get("per-bit")
    if svg is None:
        return
    by_bit = {b["bit"]: b for b in s["per_bit"] if b["bit"] >= 0}
    groups = [g for g in svg["groups"] if g["attrs"].get("class") == "bit"]
    if sorted(int(g["attrs"]["data-bit"]) for g in groups) != sorted(by_bit):
        problems.append(f"bit columns {[g['attrs'].get('data-bit') for g in groups]} for bits {sorted(by_bit)}")
    scale_max, _, plot_len = scale_of(svg)
    for g in groups:
        b = by_bit.get(int(g["attrs"]["data-bit"]))
        if b is not None:
            check_segments(f"bit {b['bit']}", g["rects"], b, VISIBLE, "height", scale_max, plot_len, problems)


def check_dom(dom, s):
    """List of problems with the rendered DOM against the summary JSON."""
    problems = []
    page = Page()
    page.feed(dom)
    check_svgs(page, problems)
    check_layers(page, s, problems)
    check_overall(page, s, problems)
    check_bits(page, s, problems)
    return problems


def png_pixels(path):
    """(width, height, bytes per pixel, rows) of an 8-bit, non-interlaced RGB/RGBA PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        (n,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    w, h, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour_type}, interlace {interlace}")
    bpp = 3 if colour_type == 2 else 4
    raw, stride = zlib.decompress(b"".join(idat)), w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for x in range(stride):
                line[x] = (line[x] + ((line[x - bpp] if x >= bpp else 0) + prev[x]) // 2) & 255
        elif f == 4:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b, c = prev[x], prev[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def screenshot_problems(path):
    if not os.path.exists(path):
        return ["no screenshot written"]
    w, h, bpp, rows = png_pixels(path)
    colours = set()
    for row in rows:
        colours.update(row[x:x + 3] for x in range(0, w * bpp, bpp))
    problems = []
    if len(colours) < 16:
        problems.append(f"screenshot {w}x{h} has only {len(colours)} distinct colours")
    for name, rgb in (("SDC-safe", SDC_SAFE_RGB), ("SDC-critical", SDC_CRITICAL_RGB)):
        if bytes(rgb) not in colours:
            problems.append(f"screenshot shows no {name} colour #{bytes(rgb).hex()}")
    return problems


def broken_pages(text):
    """Copies of the page the checker must reject: one layer bar removed, one bar lengthened."""
    start = text.index('<g class="layer"')
    end = text.index('<g class="layer"', start + 1)
    yield "a layer bar removed", text[:start] + text[end:]
    m = re.search(r'(<rect class="seg sdc_safe"[^>]*? width=")([0-9.]+)"', text[start:])
    w = float(m.group(2))
    yield "a bar lengthened", (text[:start + m.start()] + m.group(1) + f'{w * 1.1 + 1:.2f}"' +
                               text[start + m.end():])


def main():
    args, browser = headless.parse_args(__doc__)
    if not browser:
        return 77
    work = args.work
    page, sj, journal = (os.path.join(work, f) for f in ("inject.html", "inject.json", "inject.journal"))
    for f in (page, sj, journal):
        if os.path.exists(f):
            os.remove(f)
    base = [os.path.abspath(args.steadfast), "inject", "embedded", "--data", "random:8", "--layers", "all", "--n", "1200",
            "--seed", "3", "--jobs", "2", "--no-progress", "--journal", journal]
    cmd = base + ["--json", sj, "--html", page]
    print("$", " ".join(cmd))
    subprocess.run(cmd, check=True, timeout=300, cwd=work)
    s = json.load(open(sj))
    problems = []

    text = open(page, encoding="utf-8").read()
    for what, broken in broken_pages(text):
        path = os.path.join(work, "broken.html")
        with open(path, "w", encoding="utf-8") as f:
            f.write(broken)
        if not check_dom(headless.chromium(browser, ["--dump-dom"], path), s):
            problems.append(f"the checker accepted a page with {what}")

    problems += check_dom(headless.chromium(browser, ["--dump-dom"], page), s)
    shot = os.path.join(work, "inject.png")
    if os.path.exists(shot):
        os.remove(shot)
    headless.chromium(browser, ["--screenshot=" + shot, "--window-size=1000,1400"], page)
    problems += screenshot_problems(shot)

    # An unwritable report path: exit 2 and a message naming it (the journal makes this a resume).
    bad = os.path.join(work, "no-such-dir", "report.html")
    p = subprocess.run(base + ["--html", bad], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=300, cwd=work)
    if p.returncode != 2 or bad not in p.stderr:
        problems.append(f"--html {bad}: exit {p.returncode}, stderr {p.stderr.strip()[-300:]!r}")

    for msg in problems:
        print("FAIL:", msg)
    if problems:
        return 1
    print(f"ok: {len(s['per_layer'])} layer bars, {sum(b['bit'] >= 0 for b in s['per_bit'])} bit columns and "
          f"the outcome percentages match the JSON; screenshot {shot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
