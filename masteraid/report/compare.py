"""Plain-text report of a comparison (``masteraid compare``), for people.

:func:`render_compare_text` takes a :class:`~masteraid.compare.model.Comparison` and returns the
report; :func:`compare_document` is the JSON view (re-exported from :mod:`masteraid.compare`).
"""

from __future__ import annotations

import math

import numpy as np

from ..compare.document import comparison_document as compare_document
from ..compare.model import Comparison
from ..compare.spectral import CONFIDENCE_TRUSTED
from ..match import plan_match, streaming_preview
from ..errors import MasterAidError

__all__ = ["render_compare_text", "compare_document"]

_MARK = {"error": "!!", "warning": "! ", "info": "  "}


def _f(x, fmt: str = "{:.1f}", none: str = "n/a") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return none if not (isinstance(x, float) and x == float("-inf")) else "-inf"
    return fmt.format(x)


def _hz(f: float) -> str:
    return f"{f / 1000:g}k" if f >= 1000 else f"{f:g}"


def render_compare_text(c: Comparison) -> str:
    """The comparison as a text report (findings first, then the numbers)."""
    out: list[str] = []
    w = out.append
    rate = c.sample_rate_hz or c.raw.info.sample_rate_hz
    name = c.label  # the second render: "pre-treat", or e.g. "master"
    w("MasterAid compare")
    w(f"  raw       : {c.raw.info.name} ({c.raw.info.sample_rate_hz} Hz, {c.raw.info.channels} ch, {c.raw.info.duration_s:.2f} s)")
    w(f"  {name:<10}: {c.pretreat.info.name} ({c.pretreat.info.sample_rate_hz} Hz, {c.pretreat.info.channels} ch, "
      f"{c.pretreat.info.duration_s:.2f} s)")
    w(f"  compared  : {c.overlap_s:.2f} s at {rate} Hz")
    w("")
    w("Findings")
    if not c.findings:
        w("   nothing to report")
    for f in c.findings:
        w(f" {_MARK.get(f.severity, '  ')} {f.message}")
    w("")

    al = c.alignment
    w("Alignment")
    w(f"   latency {al.latency_samples:+d} samples ({al.latency_samples / rate * 1000:+.2f} ms; positive: {name} later), "
      f"polarity {'INVERTED' if al.polarity_inverted else 'same'}, correlation {al.correlation:.3f}")
    w("")

    if c.levels is not None:
        lv = c.levels
        w(f"{'Loudness and dynamics':<27}{'raw':>9}{name:>12}{'change':>9}")
        rows = [
            ("integrated (LUFS)", lv.integrated_lufs), ("loudness range (LU)", lv.loudness_range_lu),
            ("max momentary (LUFS)", lv.max_momentary_lufs), ("max short-term (LUFS)", lv.max_short_term_lufs),
            ("true peak (dBTP)", lv.true_peak_dbtp), ("PLR (dB)", lv.plr_db), ("PSR (dB)", lv.psr_db),
            ("crest factor (dB)", lv.crest_factor_db),
        ]
        for label, m in rows:
            w(f"   {label:<24}{_f(m.raw):>9}{_f(m.pretreat):>12}{_f(m.delta, '{:+.1f}'):>9}")
        w("")

    t = c.tonal
    w(f"Tonal change (dB re 500 Hz-2 kHz; static gain {_f(t.static_gain_db, '{:+.2f}')} dB; "
      f"'?' = confidence under {CONFIDENCE_TRUSTED}, not EQ)")
    est = t.estimate_db if t.estimate_db is not None else t.change_db
    cells = []
    for f, ch, e, q in zip(t.bands_hz, t.change_db, est, t.confidence):
        if math.isfinite(ch):
            v = f"{ch:+.1f}"
        elif math.isfinite(e):
            v = f"({e:+.1f})?"
        else:
            v = "--"
        cells.append(f"{_hz(f):>5} {v:>8} {q:.2f}")
    for i in range(0, len(cells), 4):
        w("   " + "   ".join(cells[i : i + 4]))
    w("")

    d = c.dynamics
    w("Gain reduction (dB, once static gain and EQ are removed; 10 ms frames)")
    w(f"   {'':<10}{'mean':>7}{'p95':>7}{'max':>7}{'>1 dB':>8}{'transients':>12}")

    def row(name, s, tr):
        w(f"   {name:<10}{_f(s.mean_db):>7}{_f(s.p95_db):>7}{_f(s.max_db):>7}"
          f"{_f(s.fraction_above_1db * 100 if math.isfinite(s.fraction_above_1db) else float('nan'), '{:.0f}%'):>8}"
          f"{_f(tr, '{:+.1f}', ''):>12}")

    row("overall", d.gain_reduction, None)
    for k, label in (("low", "< 150 Hz"), ("mid", "mid"), ("high", "> 5 kHz")):
        if k in d.band_gain_reduction:
            row(label, d.band_gain_reduction[k], d.transient_reduction_db.get(k))
    trace = np.asarray(d.trace_db, dtype=float)
    if trace.size:
        per_s = max(1, int(round(1.0 / d.trace_hop_s)))
        n = trace.shape[0] // per_s
        if n:
            with np.errstate(all="ignore"):
                secs = [np.nanmax(trace[i * per_s : (i + 1) * per_s]) if np.isfinite(trace[i * per_s : (i + 1) * per_s]).any()
                        else np.nan for i in range(n)]
            bar = "".join(" " if not math.isfinite(v) else " .:-=+*#%@"[min(9, int(v / 1.5) + (1 if v >= 0.5 else 0))]
                          for v in secs)
            w(f"   per second (max; ' .:-=+*#%@' = 0..12+ dB): |{bar}|")
    w("")

    s = c.stereo
    w("Stereo")
    w(f"   side-to-mid {_f(s.raw_side_to_mid_db)} -> {_f(s.pretreat_side_to_mid_db)} dB ({_f(s.side_to_mid_delta_db, '{:+.1f}')}); "
      f"correlation {_f(s.raw_correlation, '{:.2f}')} -> {_f(s.pretreat_correlation, '{:.2f}')}")
    w("   per band: " + ", ".join(f"{k} {_f(v, '{:+.1f}')} dB" for k, v in s.band_side_to_mid_delta_db.items()))
    w("")
    w("Distortion")
    w(f"   residual {_f(c.distortion.residual_db)} dB re the {name}; clipped samples added {c.distortion.clipped_samples_added}")
    w("")

    try:
        plan = plan_match(c.raw, c.pretreat, names=("raw", name))
        w(f"Loudness-matched listening (integrated, ceiling {plan.ceiling_dbtp:g} dBTP"
          f"{', matched down' if plan.matched_down else ''})")
        for e in plan.entries:
            w(f"   {e.name:<10} {e.gain_db:+.2f} dB -> {e.matched_level_lufs:.1f} LUFS, true peak {e.matched_true_peak_dbtp:+.1f} dBTP")
        w("")
    except MasterAidError as exc:
        w(f"Loudness-matched listening: not possible ({exc})")
        w("")
    pr, pp = streaming_preview(c.raw), streaming_preview(c.pretreat)
    w(f"Streaming preview (gain dB -> LUFS as played)      raw                 {name}")
    for a, b in zip(pr, pp):
        mark = "" if a.policy_known and b.policy_known else "  (policy partly unknown)"
        w(f"   {a.name:<28}{_f(a.gain_db, '{:+.1f}'):>7} -> {_f(a.playback_lufs):>6}   "
          f"{_f(b.gain_db, '{:+.1f}'):>7} -> {_f(b.playback_lufs):>6}{mark}")
    return "\n".join(out) + "\n"
