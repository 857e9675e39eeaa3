"""Self-contained HTML reports with plots: the audit and the compare as one file each.

The page is the text report's content plus the pictures that say it faster: loudness over time, the
pre-treat's gain reduction over time ("how hard, and when"), its tonal change per 1/3 octave with
the confidence of each band, and the two spectra. Plots are inline SVG drawn here (no script, no
stylesheet or font from elsewhere, nothing fetched), so the file opens anywhere, offline, and can be
mailed with the mix. Every text that comes from outside (file names, findings) is escaped.

Long series are reduced for the page to the minimum and maximum of each of about one bucket per
pixel, so a one-frame spike of gain reduction is still drawn; a non-finite value (a silent window) or
one off the scale breaks the line rather than drawing it along the frame. Each chart carries its axes'
ranges (``data-x-range``, ``data-y-range``, ``data-plot``), so what it draws can be read back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Callable, Sequence

import numpy as np

from ..analysis.model import Measurements
from ..compare.model import Comparison
from ..compare.spectral import CONFIDENCE_TRUSTED
from ..findings import Finding
from .. import __version__
from .audit import render_audit_text, verdict
from .compare import _hz as _hz_label, render_compare_text

__all__ = ["Axis", "line_chart", "band_chart", "reduce_series", "render_audit_html", "render_compare_html"]

#: Plot area in SVG user units (the SVG scales to the page's width).
PLOT_W, PLOT_H = 900.0, 200.0
_LEFT, _RIGHT, _TOP, _BOTTOM = 52.0, 12.0, 26.0, 34.0
#: The legend's row, above the plot area (inside it, it hid the top of a trace that reaches the top).
_KEY_Y = 14.0
_COLOURS = ("#1f6fb5", "#d0562a", "#3a9a45", "#7a4fb0")
_SEVERITY_COLOUR = {"error": "#b3261e", "warning": "#a15c00", "info": "#555"}


@dataclass(frozen=True)
class Axis:
    """A linear axis: its range, where its ticks go, and its label (with the unit)."""

    lo: float
    hi: float
    step: float
    label: str
    #: Tick positions instead of every ``step`` (``()``: none), and how a tick is written.
    marks: tuple | None = None
    fmt: Callable[[float], str] = "{:g}".format

    def ticks(self) -> list[float]:
        if self.marks is not None:
            return [v for v in self.marks if self.lo <= v <= self.hi]
        first = math.ceil(self.lo / self.step - 1e-9) * self.step
        n = int(math.floor((self.hi - first) / self.step + 1e-9)) + 1
        return [first + i * self.step for i in range(max(0, n))]


def _x(v: float, ax: Axis) -> float:
    return _LEFT + (v - ax.lo) / (ax.hi - ax.lo) * PLOT_W


def _y(v: float, ax: Axis) -> float:
    v = min(max(v, ax.lo), ax.hi)  # (bars) off-range values end on the frame, not outside the plot
    return _TOP + (ax.hi - v) / (ax.hi - ax.lo) * PLOT_H


def reduce_series(t: np.ndarray, v: np.ndarray, buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``2 * buckets`` points: per bucket of consecutive samples, its minimum and maximum in
    time order (a lone spike survives); non-finite values are kept as NaN, one per bucket that holds
    any, so the line breaks there."""
    t = np.asarray(t, dtype=float)
    v = np.asarray(v, dtype=float)
    n = v.shape[0]
    if n <= 2 * buckets:
        return t, np.where(np.isfinite(v), v, np.nan)
    edges = np.linspace(0, n, buckets + 1).astype(int)
    ts, vs = [], []
    for a, b in zip(edges[:-1], edges[1:]):
        seg = v[a:b]
        ok = np.isfinite(seg)
        if not ok.all():
            ts.append(t[a])
            vs.append(np.nan)
            if not ok.any():
                continue
        idx = np.flatnonzero(ok)
        i_min, i_max = idx[np.argmin(seg[idx])], idx[np.argmax(seg[idx])]
        for i in sorted({i_min, i_max}):
            ts.append(t[a + i])
            vs.append(seg[i])
    return np.array(ts), np.array(vs)


def _frame(x_axis: Axis, y_axis: Axis) -> list[str]:
    out = [f'<rect x="{_LEFT}" y="{_TOP}" width="{PLOT_W}" height="{PLOT_H}" class="frame"/>']
    for v in y_axis.ticks():
        y = _y(v, y_axis)
        out.append(f'<line x1="{_LEFT}" x2="{_LEFT + PLOT_W}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        out.append(f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{escape(y_axis.fmt(v))}</text>')
    for v in x_axis.ticks():
        x = _x(v, x_axis)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{_TOP}" y2="{_TOP + PLOT_H}" class="grid"/>')
        out.append(f'<text x="{x:.1f}" y="{_TOP + PLOT_H + 15}" class="tick" text-anchor="middle">{escape(x_axis.fmt(v))}</text>')
    out.append(f'<text x="{_LEFT + PLOT_W / 2}" y="{_TOP + PLOT_H + 30}" class="label" text-anchor="middle">'
               f'{escape(x_axis.label)}</text>')
    out.append(f'<text x="12" y="{_TOP + PLOT_H / 2}" class="label" text-anchor="middle" '
               f'transform="rotate(-90 12 {_TOP + PLOT_H / 2})">{escape(y_axis.label)}</text>')
    return out


def _svg(body: list[str], title: str, x_axis: Axis, y_axis: Axis) -> str:
    """The chart; ``data-x-range`` / ``data-y-range`` give the axes' ends, so a point's value can be read
    back from its coordinates (the plot area is ``data-plot="left top width height"``)."""
    w, h = _LEFT + PLOT_W + _RIGHT, _TOP + PLOT_H + _BOTTOM
    return (f'<svg viewBox="0 0 {w:g} {h:g}" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
            f'data-x-range="{x_axis.lo!r} {x_axis.hi!r}" data-y-range="{y_axis.lo!r} {y_axis.hi!r}" '
            f'data-plot="{_LEFT:g} {_TOP:g} {PLOT_W:g} {PLOT_H:g}">' + "".join(body) + "</svg>")


def line_chart(series: Sequence[tuple[str, np.ndarray, np.ndarray]], x_axis: Axis, y_axis: Axis, *, title: str,
               lines: Sequence[tuple[str, float]] = ()) -> str:
    """An SVG line chart of ``(name, x, y)`` series (each a ``<polyline class="series" data-name=...>``
    per unbroken run), with horizontal reference ``lines`` ``(name, y)``; a legend above the plot names
    them all (a reference line's name written beside it was lost in a dense trace)."""
    body = _frame(x_axis, y_axis)
    refs = [(name, y) for name, y in lines if math.isfinite(y) and y_axis.lo <= y <= y_axis.hi]
    for name, y in refs:
        yy = _y(y, y_axis)
        body.append(f'<line x1="{_LEFT}" x2="{_LEFT + PLOT_W}" y1="{yy:.2f}" y2="{yy:.2f}" class="ref" '
                    f'data-name="{escape(name)}"/>')
    buckets = int(PLOT_W)
    for k, (name, xs, ys) in enumerate(series):
        colour = _COLOURS[k % len(_COLOURS)]
        t, v = reduce_series(xs, ys, buckets)
        keep = (t >= x_axis.lo) & (t <= x_axis.hi)
        t, v = t[keep], v[keep]
        v = np.where((v >= y_axis.lo) & (v <= y_axis.hi), v, np.nan)  # off the scale: a break, not a flat line
        breaks = np.flatnonzero(~np.isfinite(v))
        for run_t, run_v in zip(np.split(t, breaks), np.split(v, breaks)):
            ok = np.isfinite(run_v)
            run_t, run_v = run_t[ok], run_v[ok]
            if run_t.size == 0:
                continue
            pts = " ".join(f"{_x(a, x_axis):.1f},{_y(b, y_axis):.2f}" for a, b in zip(run_t, run_v))
            body.append(f'<polyline points="{pts}" class="series" stroke="{colour}" data-name="{escape(name)}"/>')
    # the legend: one row above the plot, each entry as wide as its name (about 6.5 px a character at the
    # 11 px tick font), at least 150 px; a colour swatch for a series, a dashed one for a reference line
    keys = [(name, _COLOURS[k % len(_COLOURS)]) for k, (name, _, _) in enumerate(series)] + [(n, None) for n, _ in refs]
    lx = _LEFT + 8
    for name, colour in keys:
        swatch = (f'<rect x="{lx:.0f}" y="{_KEY_Y - 6:g}" width="12" height="4" fill="{colour}"/>' if colour else
                  f'<line x1="{lx:.0f}" x2="{lx + 12:.0f}" y1="{_KEY_Y - 4:g}" y2="{_KEY_Y - 4:g}" class="ref-key"/>')
        body.append(swatch + f'<text x="{lx + 16:.0f}" y="{_KEY_Y:g}" class="tick">{escape(name)}</text>')
        lx += max(150.0, 16.0 + 6.5 * len(name) + 20.0)
    return _svg(body, title, x_axis, y_axis)


def band_chart(bands_hz: np.ndarray, values: np.ndarray, y_axis: Axis, *, title: str,
               trusted: np.ndarray | None = None) -> str:
    """Bars per 1/3-octave band from 0 dB (``<rect class="band" data-hz= data-db=>``); bands not
    ``trusted`` are drawn hollow (``class="band untrusted"``), non-finite ones not at all."""
    n = len(bands_hz)
    x_axis = Axis(0, max(n, 1), 1.0, "frequency (Hz, 1/3-octave bands)", marks=())
    body = _frame(x_axis, y_axis)
    slot = PLOT_W / max(n, 1)
    zero = _y(0.0, y_axis)
    body.append(f'<line x1="{_LEFT}" x2="{_LEFT + PLOT_W}" y1="{zero:.2f}" y2="{zero:.2f}" class="axis0"/>')
    for i, (f, v) in enumerate(zip(bands_hz, values)):
        x = _LEFT + i * slot
        if i % 3 == 0 or n <= 12:
            body.append(f'<text x="{x + slot / 2:.1f}" y="{_TOP + PLOT_H + 15}" class="tick" '
                        f'text-anchor="middle">{_hz_label(float(f))}</text>')
        if not math.isfinite(v):
            continue
        y = _y(float(v), y_axis)
        cls = "band" if trusted is None or trusted[i] else "band untrusted"
        body.append(f'<rect x="{x + 0.15 * slot:.1f}" y="{min(y, zero):.2f}" width="{0.7 * slot:.1f}" '
                    f'height="{abs(zero - y):.2f}" class="{cls}" data-hz="{f:g}" data-db="{float(v):.2f}">'
                    f'<title>{f:g} Hz: {float(v):+.1f} dB</title></rect>')
    return _svg(body, title, x_axis, y_axis)


_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.4em;margin-bottom:.2em} h2{font-size:1.1em;margin:1.6em 0 .3em} .sub{color:#666;margin-top:0}
ul.findings{padding-left:1.2em} ul.findings li{margin:.25em 0}
.error{color:#b3261e}.warning{color:#a15c00}.info{color:#444}
figure{margin:.5em 0 1em} figcaption{color:#555;font-size:.9em}
svg{width:100%;height:auto;background:#fff} .frame{fill:none;stroke:#999}
.grid{stroke:#e4e4e4} .axis0{stroke:#777} .ref,.ref-key{stroke:#888;stroke-dasharray:4 3}
.series{fill:none;stroke-width:1.2;stroke-linejoin:round}
.band{fill:#1f6fb5} .band.untrusted{fill:none;stroke:#1f6fb5;stroke-dasharray:2 2}
.tick{font-size:11px;fill:#555} .label{font-size:12px;fill:#333}
details pre{font-size:12px;overflow-x:auto;background:#f6f6f6;padding:.8em}
""".strip()


def _page(title: str, subtitle: str, sections: list[str], text_report: str) -> str:
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">{escape(subtitle)}</p>',
        *sections,
        "<h2>Every number</h2>",
        f"<details><summary>The text report</summary><pre>{escape(text_report)}</pre></details>",
        f'<p class="sub">MasterAid {escape(__version__)}</p>',
        "</body></html>",
        "",
    ])


def _findings(findings: Sequence[Finding]) -> str:
    if not findings:
        return '<ul class="findings"><li class="info">nothing to report</li></ul>'
    items = "".join(f'<li class="{escape(f.severity)}"><b>{escape(f.severity)}</b> {escape(f.message)}</li>'
                    for f in findings)
    return f'<ul class="findings">{items}</ul>'


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def _time_axis(duration_s: float) -> Axis:
    d = max(duration_s, 1.0)
    step = next(s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600, 1e9) if d / s <= 12)
    return Axis(0.0, d, step, "time (s)")


#: The spectra's frequency axis: log10 of Hz, 20 Hz .. 20 kHz, ticks at 1-2-5 steps.
_FREQ_AXIS = Axis(math.log10(20.0), math.log10(20000.0), 1.0, "frequency (Hz)",
                  marks=tuple(math.log10(m * d) for d in (10, 100, 1000, 10000) for m in (2, 5, 10)),
                  fmt=lambda v: _hz_label(float(f"{10 ** v:.3g}")))


def _level_axis(values: Sequence[float], label: str, *, span: float = 30.0, floor: float = -70.0) -> Axis:
    """A dB axis from the highest finite value (rounded up to 5 dB) down ``span`` dB, not below ``floor``."""
    finite = [float(v) for v in values if math.isfinite(v)]
    hi = 5.0 * math.ceil((max(finite) if finite else 0.0) / 5.0 + 1e-9)
    lo = max(floor, hi - span)
    return Axis(lo, hi, 5.0 if hi - lo <= 40 else 10.0, label)


def _loudness_series(m: Measurements, offset_s: float = 0.0):
    ld = m.loudness
    st = np.asarray(ld.short_term_lufs, dtype=float)
    mo = np.asarray(ld.momentary_lufs, dtype=float)
    return (offset_s + 3.0 + ld.hop_s * np.arange(st.shape[0]), st), (offset_s + 0.4 + ld.hop_s * np.arange(mo.shape[0]), mo)


def render_audit_html(m: Measurements, findings: Sequence[Finding]) -> str:
    """The audit as a self-contained HTML page: verdict and findings, loudness over time, the long-term
    spectrum, and the text report (:func:`~masteraid.report.audit.render_audit_text`) folded below."""
    text = render_audit_text(m, findings)
    ld = m.loudness
    (st_t, st), (mo_t, mo) = _loudness_series(m)
    sections = [f"<h2>Verdict: {escape(verdict(findings))}</h2>", _findings(findings)]
    if st.size or mo.size:
        y = _level_axis([ld.max_momentary_lufs, ld.max_short_term_lufs], "loudness (LUFS)")
        sections.append(_figure(
            line_chart([("short-term (3 s)", st_t, st), ("momentary (400 ms)", mo_t, mo)], _time_axis(m.info.duration_s), y,
                       title="loudness over time", lines=[(f"integrated {ld.integrated_lufs:.1f} LUFS", ld.integrated_lufs)]),
            "Loudness over time (ITU-R BS.1770-4): each point is the window ending there; the dashed line is the "
            "integrated loudness."))
    sp = m.spectrum
    levels = np.asarray(sp.band_levels_db, dtype=float)
    if levels.size and np.isfinite(levels).any():
        y = _level_axis(levels, "band level (dBFS)", span=60.0, floor=-120.0)
        sections.append(_figure(
            line_chart([("band level", np.log10(np.asarray(sp.bands_hz, dtype=float)), levels)],
                       _FREQ_AXIS, y, title="long-term spectrum"),
            f"Long-term 1/3-octave spectrum, channels averaged; tilt {sp.tilt_db_per_octave:+.1f} dB/octave "
            "(pink noise about 0)."))
    i = m.info
    sub = f"{i.name}: {i.sample_rate_hz} Hz, {i.channels} ch, {i.duration_s:.2f} s"
    return _page("MasterAid audit", sub, sections, text)


def render_compare_html(c: Comparison) -> str:
    """The comparison as a self-contained HTML page: findings, both renders' loudness over time, the
    pre-treat's gain reduction over time, its tonal change per band, both spectra, and the text report
    (:func:`~masteraid.report.compare.render_compare_text`) folded below."""
    text = render_compare_text(c)
    who = c.label  # the second render: "pre-treat", or e.g. "master"
    sections = [f"<h2>What the {escape(who)} did</h2>", _findings(c.findings)]
    rate = c.sample_rate_hz or c.raw.info.sample_rate_hz
    lag_s = c.alignment.latency_samples / rate if rate else 0.0
    t_axis = _time_axis(max(c.raw.info.duration_s, c.pretreat.info.duration_s - lag_s))
    (rt, rv), _ = _loudness_series(c.raw)
    (pt, pv), _ = _loudness_series(c.pretreat, -lag_s)  # on the raw's time line
    if rv.size or pv.size:
        y = _level_axis([c.raw.loudness.max_short_term_lufs, c.pretreat.loudness.max_short_term_lufs],
                        "short-term loudness (LUFS)", span=40.0)
        sections.append(_figure(
            line_chart([("raw", rt, rv), (who, pt, pv)], t_axis, y, title="short-term loudness of both renders"),
            f"Short-term loudness (3 s) of both renders on the raw's time line; the {who} is "
            f"{c.loudness_delta_lu:+.1f} LU louder overall."))
    d = c.dynamics
    trace = np.asarray(d.trace_db, dtype=float)
    if trace.size:
        t = d.trace_start_s + d.trace_hop_s * (np.arange(trace.shape[0]) + 1.0)  # the frame's centre
        finite = trace[np.isfinite(trace)]
        top = max(6.0, 3.0 * math.ceil(float(finite.max()) / 3.0 + 1e-9)) if finite.size else 6.0
        y = Axis(0.0, top, 3.0 if top <= 24 else 6.0, "gain reduction (dB)")
        g = d.gain_reduction
        sections.append(_figure(
            line_chart([("gain reduction", t, trace)], t_axis, y, title="gain reduction over time",
                       lines=[(f"95th percentile {g.p95_db:.1f} dB", g.p95_db)]),
            f"How hard the {who} compressed and limited, and when: its broadband gain reduction every "
            f"{d.trace_hop_s * 1000:.0f} ms once the static gain and EQ are removed (mean {g.mean_db:.1f} dB, "
            f"max {g.max_db:.1f} dB, above 1 dB {g.fraction_above_1db * 100:.0f}% of the time)."))
    tc = c.tonal
    est = np.asarray(tc.estimate_db if tc.estimate_db is not None else tc.change_db, dtype=float)
    conf = np.asarray(tc.confidence, dtype=float)
    if est.size and np.isfinite(est).any():
        top = max(3.0, 3.0 * math.ceil(float(np.nanmax(np.abs(est[np.isfinite(est)]))) / 3.0 + 1e-9))
        top = min(top, 24.0)
        sections.append(_figure(
            band_chart(np.asarray(tc.bands_hz, dtype=float), est, Axis(-top, top, 3.0 if top <= 12 else 6.0, "change (dB)"),
                       title="tonal change per band", trusted=conf >= CONFIDENCE_TRUSTED),
            f"The EQ the {who} applied, per 1/3 octave, relative to 500 Hz-2 kHz (static gain "
            f"{tc.static_gain_db:+.1f} dB). Hollow bars: confidence under {CONFIDENCE_TRUSTED}, not to be read as EQ."))
    series = []
    for name, m in (("raw", c.raw), (who, c.pretreat)):
        lv = np.asarray(m.spectrum.band_levels_db, dtype=float) - m.loudness.integrated_lufs
        series.append((name, np.log10(np.asarray(m.spectrum.bands_hz, dtype=float)), lv))
    allv = np.concatenate([s[2] for s in series]) if series else np.array([])
    if allv.size and np.isfinite(allv).any():
        y = _level_axis(allv, "band level re loudness (dB)", span=60.0, floor=-120.0)
        sections.append(_figure(
            line_chart(series, _FREQ_AXIS, y, title="spectra of both renders"),
            "Long-term 1/3-octave spectra, each relative to its own integrated loudness (as heard after "
            "loudness matching)."))
    sub = f"{c.raw.info.name} against {c.pretreat.info.name}: {c.overlap_s:.2f} s compared at {rate} Hz"
    return _page("MasterAid compare", sub, sections, text)
