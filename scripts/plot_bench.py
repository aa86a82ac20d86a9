#!/usr/bin/env python3
"""Plot `busmap bench --json` output: ns per translation against present
memory, one line per variant and layout, log-log, as a standalone SVG.

Usage: scripts/plot_bench.py BENCH.json OUT.svg [--dependent]

Written without plotting libraries so it runs wherever Python 3 does.
"""
import json
import math
import sys

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"]


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    key = "ns_per_translate_dependent" if "--dependent" in argv else "ns_per_translate"
    try:
        with open(argv[1]) as f:
            rows = json.load(f)
    except (OSError, ValueError) as e:
        sys.stderr.write(f"{argv[1]}: {e}\n")
        return 2
    series = {}
    for r in rows:
        series.setdefault((r["driver"], r["layout"]), []).append((r["present_bytes"], r[key]))
    xs = [x for s in series.values() for x, _ in s]
    ys = [y for s in series.values() for _, y in s]
    x0, x1 = math.log2(min(xs)), math.log2(max(xs))
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    W, H, L, B, T, R = 760, 480, 70, 50, 30, 230

    def px(x):
        return L + (math.log2(x) - x0) / max(x1 - x0, 1) * (W - L - R)

    def py(y):
        return H - B - (math.log10(y) - y0) / max(y1 - y0, 1) * (H - B - T)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{L}" y="18">{key.replace("_", " ")} (log) against present memory (log)</text>']
    for e in range(y0, y1 + 1):
        y = py(10 ** e)
        out.append(f'<line x1="{L}" y1="{y:.1f}" x2="{W - R}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{L - 8}" y="{y + 4:.1f}" text-anchor="end">{10 ** e:g} ns</text>')
    for x in sorted(set(xs)):
        gib = x >> 30
        label = f"{gib} GiB" if gib < 1024 else f"{gib >> 10} TiB"
        out.append(f'<text x="{px(x):.1f}" y="{H - B + 18}" text-anchor="middle">{label}</text>')
    drivers = sorted({d for d, _ in series})
    for i, ((drv, layout), pts) in enumerate(sorted(series.items())):
        pts.sort()
        color = COLORS[drivers.index(drv) % len(COLORS)]
        dash = "" if layout == "dense" else ' stroke-dasharray="5,4"'
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
        ly = T + 16 * i
        out.append(f'<line x1="{W - R + 10}" y1="{ly}" x2="{W - R + 40}" y2="{ly}" '
                   f'stroke="{color}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{W - R + 46}" y="{ly + 4}">{drv} ({layout})</text>')
    out.append("</svg>")
    with open(argv[2], "w") as f:
        f.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
