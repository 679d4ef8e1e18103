#!/usr/bin/env python3
"""report.py: turn a bench/run.sh results folder into results.md and chart.svg.

usage: report.py [DIR]      (default: bench/results next to this script)

Reads DIR/results.tsv (one row per run: workload, mode, conns, pinned, server, round,
status, and the load generator's RESULT fields as key=value pairs) and DIR/meta.tsv
(key, value), and writes DIR/results.md (a table per workload: medians over the rounds
and the ratio to the plain .NET server) and DIR/chart.svg (hand-written SVG: throughput,
p50/p99 latency and memory per held connection). Python standard library only.
"""
import math
import os
import statistics
import sys
from xml.sax.saxutils import escape

SERVER_ORDER = ["actorsockets-threading", "actorsockets-forking", "python-threading",
                "python-forking", "kestrel", "raw-dotnet"]
SERVER_LABEL = {
    "actorsockets-threading": "ActorSockets threading",
    "actorsockets-forking": "ActorSockets forking (2 workers)",
    "python-threading": "Python socketserver threading",
    "python-forking": "Python socketserver forking",
    "kestrel": "Kestrel connection handler",
    "raw-dotnet": "plain .NET sockets (raw)",
}
COLORS = {
    "actorsockets-threading": "#2563eb",
    "actorsockets-forking": "#7c3aed",
    "python-threading": "#16a34a",
    "python-forking": "#a3b919",
    "kestrel": "#ea580c",
    "raw-dotnet": "#6b7280",
}
EXTRA_COLORS = ["#dc2626", "#0891b2", "#db2777", "#65a30d"]
BASE = "raw-dotnet"


def label(server):
    return SERVER_LABEL.get(server, server)


def color(server, servers):
    if server in COLORS:
        return COLORS[server]
    others = [s for s in servers if s not in COLORS]
    return EXTRA_COLORS[others.index(server) % len(EXTRA_COLORS)]


# ------------------------------------------------------------------------------ reading
def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    if not lines:
        return []
    head = lines[0].split("\t")
    return [dict(zip(head, line.split("\t"))) for line in lines[1:]]


def fields(text):
    out = {}
    for part in (text or "").split():
        key, _, value = part.partition("=")
        out[key] = value
    return out


def num(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


class Workload:
    def __init__(self, name, mode, conns, pinned):
        self.name, self.mode, self.conns, self.pinned = name, mode, int(conns), pinned == "1"
        self.runs = {}  # server -> list of (status, fields)

    @property
    def servers(self):
        known = [s for s in SERVER_ORDER if s in self.runs]
        return known + [s for s in self.runs if s not in SERVER_ORDER]

    def describe(self, size):
        pin = (" Servers pinned to CPU 1, the load generator to CPU 0." if self.pinned else "")
        if self.mode == "pingpong":
            what = (f"{self.conns} persistent connection{'s' if self.conns > 1 else ''}, each "
                    f"sending a {size}-byte line and waiting for its echo before the next.")
        elif self.mode == "connect":
            what = (f"{self.conns} clients in a loop: connect, send one {size}-byte line, "
                    "half-close, read the echo to EOF, close (one request per connection; "
                    "servers run with --one-shot).")
        elif self.mode == "udp":
            what = f"{self.conns} UDP clients, each sending a {size}-byte datagram and waiting for the echo."
        else:
            what = (f"{self.conns:,} idle connections held open: server resident memory (VmRSS of "
                    "the server and its child processes) before and while holding them, then one "
                    "line echoed on each. Python's ForkingTCPServer (a process per connection, "
                    "capped by max_children) sits this one out.")
        return what + pin

    def summary(self, server):
        """Medians over the rounds that produced a result (the lower middle for an even count)."""
        runs = self.runs.get(server, [])
        done = [f for status, f in runs if status in RESULT_STATUSES]
        statuses = {status for status, _ in runs if status not in ("ok", "errors")}
        if any(num(f.get("requests")) == 0 for f in done):
            statuses.add("noreply")  # older results.tsv files did not mark it
        statuses = sorted(statuses)
        out = {"rounds": len(runs), "done": len(done), "problems": statuses, "fields": {},
               "runs": runs}
        out["logs"] = []
        for status, f in runs:
            if status not in RESULT_STATUSES and "reason" in f:
                out["reason"] = f["reason"].replace("_", " ")
            if "log" in f:
                out["logs"].append(f["log"])
        if not done:
            return out
        keys = ("rps", "p50_us", "p90_us", "p99_us", "max_us", "per_conn_kib", "connected",
                "served", "rss_before_kib", "rss_held_kib", "fds_added")
        answered = [f for f in done if num(f.get("requests")) != 0]  # hold rows have no requests
        for key in keys:
            rows = done if key == "rps" else answered  # no latency without requests
            values = [num(f.get(key)) for f in rows]
            values = [v for v in values if v is not None]
            if values:
                out["fields"][key] = statistics.median_low(values)
        for key in ("errors", "mismatches"):
            out["fields"][key] = sum(num(f.get(key)) or 0 for f in done)
        return out


def load(folder):
    rows = read_tsv(os.path.join(folder, "results.tsv"))
    meta_path = os.path.join(folder, "meta.tsv")
    meta = {}
    if os.path.exists(meta_path):
        with open(meta_path, encoding="utf-8") as f:
            for line in f:
                key, _, value = line.rstrip("\n").partition("\t")
                if key:
                    meta[key] = value
    workloads = {}
    for row in rows:
        name = row.get("workload", "?")
        if name not in workloads:
            workloads[name] = Workload(name, row.get("mode", ""), row.get("conns", "0"),
                                       row.get("pinned", "0"))
        workloads[name].runs.setdefault(row.get("server", "?"), []).append(
            (row.get("status", ""), fields(row.get("result", ""))))
    return list(workloads.values()), meta


# ------------------------------------------------------------------------------ markdown
def fmt_int(value):
    return "–" if value is None else f"{value:,.0f}"


def ratio(value, base):
    if value is None or not base:
        return None
    return value / base


def fmt_ratio(r):
    return "–" if r is None else f"{r:.2f}×"


PROBLEM_WORDS = {"nostart": "server did not start", "failed": "load generator gave no result",
                 "noreply": "no request completed"}
RESULT_STATUSES = ("ok", "errors", "noreply")  # rows that carry a RESULT line


def note_for(s):
    if s.get("reason"):
        return f"not run: {s['reason']}"
    if s["problems"]:
        what = ", ".join(PROBLEM_WORDS.get(p, p) for p in s["problems"])
        logs = s["logs"]
        more = f" and {len(logs) - 1} more" if len(logs) > 1 else ""
        bad = sum(1 for status, f in s["runs"]
                  if status not in ("ok", "errors") or num(f.get("requests")) == 0)
        return (f"{bad} of {s['rounds']} round(s): {what}"
                + (f" (see `{logs[0]}`{more})" if logs else ""))
    return ""


def markdown(workloads, meta):
    size = meta.get("size", "32")
    out = ["# ActorSockets benchmark", ""]
    out.append(f"- date: {meta.get('date', '?')}; run took {meta.get('duration', '?')}")
    out.append(f"- command: `{meta.get('command', 'bash bench/run.sh')}`")
    if meta.get("echo_cmd"):
        out.append(f"- ActorSockets echo started with `{meta['echo_cmd']}` (not the built sample)")
    out.append(f"- machine: `nproc` = {meta.get('nproc', '?')}, {meta.get('cpu', '?')}; "
               f"kernel {meta.get('kernel', '?')}")
    out.append(f"- dotnet --version {meta.get('dotnet', '?')}; Python {meta.get('python', '?')}; "
               f".NET servers (Echo sample, RawEcho) built {meta.get('build', '?')}")
    out.append(f"- load generator: {meta.get('loadgen', '?')}; {meta.get('rounds', '?')} interleaved "
               f"round(s) of {meta.get('secs', '?')} s after {meta.get('warmup', '?')} s of warm-up; "
               f"{size}-byte requests, every reply verified")
    out.append("- each figure is the median over the rounds; errors are summed; the ratio is to "
               "plain .NET sockets (raw) in the same run: for throughput above 1 is faster, "
               "for memory above 1 is more memory per connection")
    out.append("- client and servers share this machine: compare ratios within one run, "
               "not absolute numbers across machines or runs")
    out.append("")
    out.append("![throughput, latency and memory per connection](chart.svg)")
    out.append("")

    rate_loads = [w for w in workloads if w.mode != "hold"]
    hold_loads = [w for w in workloads if w.mode == "hold"]
    # Summary: ratio to raw per workload.
    servers = []
    for w in workloads:
        servers += [s for s in w.servers if s not in servers]
    if servers and workloads:
        out.append("## Ratio to plain .NET sockets")
        out.append("")
        cols = [w.name + (" (req/s)" if w.mode != "hold" else " (KiB/conn)") for w in workloads]
        out.append("| server | " + " | ".join(cols) + " |")
        out.append("|---|" + "---:|" * len(cols))
        for server in servers:
            cells = []
            for w in workloads:
                key = "per_conn_kib" if w.mode == "hold" else "rps"
                base = w.summary(BASE)["fields"].get(key) if BASE in w.runs else None
                value = w.summary(server)["fields"].get(key) if server in w.runs else None
                cells.append(fmt_ratio(ratio(value, base)))
            out.append(f"| {label(server)} | " + " | ".join(cells) + " |")
        out.append("")

    for w in rate_loads:
        out.append(f"## {w.name}")
        out.append("")
        out.append(w.describe(size))
        out.append("")
        out.append("| server | rps | p50_us | p99_us | errors | ratio to raw | note |")
        out.append("|---|---:|---:|---:|---:|---:|---|")
        base = w.summary(BASE)["fields"].get("rps") if BASE in w.runs else None
        for server in w.servers:
            s = w.summary(server)
            f = s["fields"]
            errors = "–"
            if s["done"]:
                errors = fmt_int(f.get("errors"))
                if f.get("mismatches"):
                    errors += f" (+{fmt_int(f['mismatches'])} mismatched)"
            out.append(f"| {label(server)} | {fmt_int(f.get('rps'))} | {fmt_int(f.get('p50_us'))} | "
                       f"{fmt_int(f.get('p99_us'))} | {errors} | "
                       f"{fmt_ratio(ratio(f.get('rps'), base))} | {note_for(s)} |")
        out.append("")

    for w in hold_loads:
        out.append(f"## {w.name}")
        out.append("")
        out.append(w.describe(size))
        out.append("")
        out.append("| server | connected | served | RSS before (MiB) | RSS holding (MiB) | KiB per connection | ratio to raw | note |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---|")
        base = w.summary(BASE)["fields"].get("per_conn_kib") if BASE in w.runs else None
        for server in w.servers:
            s = w.summary(server)
            f = s["fields"]
            mib = lambda k: "–" if f.get(k) is None else f"{f[k] / 1024:.1f}"
            per = "–" if f.get("per_conn_kib") is None else f"{f['per_conn_kib']:.1f}"
            note = note_for(s)
            if not note and f.get("served") is not None and f["served"] < w.conns:
                note = f"{w.conns - f['served']:,.0f} of {w.conns:,} connections not served"
            out.append(f"| {label(server)} | {fmt_int(f.get('connected'))} | {fmt_int(f.get('served'))} | "
                       f"{mib('rss_before_kib')} | {mib('rss_held_kib')} | {per} | "
                       f"{fmt_ratio(ratio(f.get('per_conn_kib'), base))} | {note} |")
        out.append("")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------ SVG
def short(value, unit=""):
    if value >= 1e6:
        text = f"{value / 1e6:g}M"
    elif value >= 1e3:
        text = f"{value / 1e3:g}k"
    else:
        text = f"{value:g}"
    return text + unit


class Svg:
    def __init__(self, width):
        self.width, self.parts = width, []

    def add(self, text):
        self.parts.append(text)

    def text(self, x, y, s, size=11, anchor="start", weight="normal", fill="#111", rotate=None):
        extra = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate else ""
        self.add(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
                 f'font-weight="{weight}" fill="{fill}"{extra}>{escape(str(s))}</text>')

    def rect(self, x, y, w, h, fill, title=None, opacity=1.0):
        tip = f"<title>{escape(title)}</title>" if title else ""
        self.add(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" '
                 f'fill="{fill}" fill-opacity="{opacity}">{tip}</rect>')

    def line(self, x1, y1, x2, y2, stroke="#ccc", width=1, dash=None):
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                 f'stroke="{stroke}" stroke-width="{width}"{d}/>')

    def render(self, height):
        return ('<svg xmlns="http://www.w3.org/2000/svg" '
                f'width="{self.width}" height="{height}" viewBox="0 0 {self.width} {height}" '
                'font-family="Helvetica, Arial, sans-serif">\n'
                f'<rect x="0" y="0" width="{self.width}" height="{height}" fill="white"/>\n'
                + "\n".join(self.parts) + "\n</svg>\n")


class Scale:
    """Maps values to a vertical pixel range, log10 or linear."""

    def __init__(self, values, top, bottom, log):
        values = [v for v in values if v and v > 0]
        self.top, self.bottom, self.log = top, bottom, log
        if log:
            lo = math.floor(math.log10(min(values))) if values else 0
            hi = math.ceil(math.log10(max(values))) if values else 1
            if hi <= lo:
                hi = lo + 1
            self.lo, self.hi = lo, hi
            self.ticks = [10 ** e for e in range(lo, hi + 1)]
        else:
            top_value = max(values) if values else 1
            step = 10 ** math.floor(math.log10(top_value))
            for m in (1, 2, 5, 10):
                if top_value / (step * m) <= 6:
                    step *= m
                    break
            self.lo, self.hi = 0, step * math.ceil(top_value / step)
            self.ticks = [step * i for i in range(int(round(self.hi / step)) + 1)]

    def y(self, v):
        if self.log:
            v = max(v, 10 ** self.lo)
            frac = (math.log10(v) - self.lo) / (self.hi - self.lo)
        else:
            frac = (v - self.lo) / (self.hi - self.lo) if self.hi > self.lo else 0
        return self.bottom - frac * (self.bottom - self.top)


def panel(svg, top, height, title, loads, servers, values, log, unit, left, right,
          ratio_key=None, second=None):
    """Grouped bars: one group per workload, one bar per server.
    values(w, server) -> number or None; second(w, server) -> a second, taller value drawn
    as a pale bar behind (p99 behind p50); ratio_key(w, server) -> ratio label above."""
    svg.text(left, top + 14, title, size=13, weight="bold")
    plot_top, plot_bottom = top + 34, top + height - 34
    all_values = []
    for w in loads:
        for s in servers:
            for fn in (values, second):
                v = fn(w, s) if fn else None
                if v:
                    all_values.append(v)
    scale = Scale(all_values, plot_top, plot_bottom, log)
    for t in scale.ticks:
        y = scale.y(t)
        svg.line(left, y, right, y, stroke="#e5e7eb")
        svg.text(left - 6, y + 4, short(t, unit), size=10, anchor="end", fill="#555")
    svg.line(left, plot_bottom, right, plot_bottom, stroke="#888")
    if not loads:
        return
    group_w = (right - left) / len(loads)
    bar_w = min(40.0, group_w * 0.84 / max(1, len(servers)))
    for gi, w in enumerate(loads):
        gx = left + gi * group_w
        present = [s for s in servers if s in w.runs]
        start = gx + (group_w - bar_w * len(present)) / 2
        svg.text(gx + group_w / 2, plot_bottom + 16, w.name, size=11, anchor="middle", weight="bold")
        for bi, s in enumerate(present):
            x = start + bi * bar_w
            c = color(s, servers)
            v = values(w, s)
            v2 = second(w, s) if second else None
            if v2:
                y2 = scale.y(v2)
                svg.rect(x + 1, y2, bar_w - 2, plot_bottom - y2, c, opacity=0.35,
                         title=f"{w.name} {label(s)}: p99 {v2:,.0f} {unit}".strip())
            if v is None:
                svg.text(x + bar_w / 2, plot_bottom - 4, "n/a", size=9, anchor="middle", fill="#b91c1c")
                continue
            if v <= 0:  # nothing to draw on a log scale: say so, with the ratio above
                svg.text(x + bar_w / 2, plot_bottom - 4, "0", size=9, anchor="middle", fill="#b91c1c")
                r = ratio_key(w, s) if ratio_key else None
                if r is not None:
                    svg.text(x + bar_w / 2, plot_bottom - 16, f"{r:.2f}×", size=9, anchor="middle", fill="#333")
                continue
            y = scale.y(v)
            inset = bar_w * 0.22 if second else 1
            svg.rect(x + inset, y, bar_w - 2 * inset, plot_bottom - y, c,
                     title=f"{w.name} {label(s)}: {v:,.1f} {unit}".strip())
            if ratio_key:
                r = ratio_key(w, s)
                if r is not None:
                    top_y = min(y, scale.y(v2)) if v2 else y
                    if isinstance(r, str):  # a warning instead of a plain ratio
                        svg.text(x + bar_w / 2, top_y - 4, r, size=9, anchor="middle", fill="#b91c1c")
                    else:
                        svg.text(x + bar_w / 2, top_y - 4, f"{r:.2f}×", size=9, anchor="middle", fill="#333")


def chart(workloads, meta):
    rate_loads = [w for w in workloads if w.mode != "hold"]
    hold_loads = [w for w in workloads if w.mode == "hold"]
    servers = []
    for w in workloads:
        servers += [s for s in w.servers if s not in servers]
    width, left, right = 1000, 78, 985
    svg = Svg(width)
    svg.text(left, 24, "ActorSockets vs reference echo servers (medians; labels: ratio to plain .NET)",
             size=15, weight="bold")
    svg.text(left, 42, f"{meta.get('date', '')} · nproc {meta.get('nproc', '?')} · "
             f"{meta.get('kernel', '')} · dotnet {meta.get('dotnet', '?')} · {meta.get('loadgen', '')}",
             size=10, fill="#555")
    if meta.get("echo_cmd"):
        note = meta["echo_cmd"] if len(meta["echo_cmd"]) <= 48 else meta["echo_cmd"][:45] + "..."
        svg.text(right, 42, f"ActorSockets rows: {note}", size=10, anchor="end", fill="#b91c1c")
    # legend
    x, y = left, 62
    for s in servers:
        svg.rect(x, y - 10, 12, 12, color(s, servers))
        svg.text(x + 16, y, label(s), size=11)
        x += 24 + 6.3 * len(label(s))
        if x > right - 150:
            x, y = left, y + 18
    top = y + 16

    def med(w, s, key):
        return w.summary(s)["fields"].get(key) if s in w.runs else None

    def rps_ratio(w, s):
        base = med(w, BASE, "rps")
        v = med(w, s, "rps")
        return v / base if v is not None and base else None

    if rate_loads:
        panel(svg, top, 300, "Throughput (requests/s, log scale)", rate_loads, servers,
              lambda w, s: med(w, s, "rps"), True, "", left, right, ratio_key=rps_ratio)
        top += 300
        def latency(key):  # no latency without requests
            return lambda w, s: med(w, s, key) if med(w, s, "rps") else None
        panel(svg, top, 300, "Latency (µs, log scale): solid p50, pale p99", rate_loads, servers,
              latency("p50_us"), True, "", left, right, second=latency("p99_us"))
        top += 300
    for w in hold_loads:
        def per_ratio(w2, s):
            base = med(w2, BASE, "per_conn_kib")
            v = med(w2, s, "per_conn_kib")
            r = v / base if v is not None and base else None
            served = med(w2, s, "served")
            if r is not None and served is not None and served < w2.conns:
                return f"{r:.2f}×, {served:,.0f} served"
            return r
        panel(svg, top, 240, f"{w.name}: server memory per idle connection (KiB)", [w], servers,
              lambda w2, s: med(w2, s, "per_conn_kib"), False, "", left, right,
              ratio_key=per_ratio)
        top += 240
    return svg.render(int(top + 10))


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    if not os.path.exists(os.path.join(folder, "results.tsv")):
        sys.exit(f"report.py: no results.tsv in {folder}")
    workloads, meta = load(folder)
    with open(os.path.join(folder, "results.md"), "w", encoding="utf-8") as f:
        f.write(markdown(workloads, meta))
    with open(os.path.join(folder, "chart.svg"), "w", encoding="utf-8") as f:
        f.write(chart(workloads, meta))


if __name__ == "__main__":
    main()
