"""What a comparison tells a mixer, as :class:`~masteraid.findings.Finding` values with numbers.

Thresholds are named constants below; every message gives the measured values.
"""

from __future__ import annotations

import math

import numpy as np

from ..audit import BLOWN_UP_PEAK_DBFS, is_blown_up
from ..findings import Finding
from .model import Comparison
from .spectral import CONFIDENCE_TRUSTED

__all__ = ["comparison_findings", "EQ_REPORT_DB", "GR_REPORT_P95_DB", "GR_HARD_P95_DB", "WIDTH_REPORT_DB",
           "RESIDUAL_REPORT_DB", "RESIDUAL_WARN_DB", "TRANSIENT_REPORT_DB"]

#: A trusted band whose change reaches this is reported as EQ.
EQ_REPORT_DB = 1.0
#: Gain reduction is reported when its 95th percentile reaches this ...
GR_REPORT_P95_DB = 1.0
#: ... and called hard (a warning) from this.
GR_HARD_P95_DB = 6.0
#: Side-to-mid change reported from this.
WIDTH_REPORT_DB = 1.0
#: A band's width change only counts when that band's side is at least this loud against its mid
#: (in the pre-treat): more side where there was next to none is distortion, not width.
AUDIBLE_SIDE_DB = -30.0
#: Residual (unexplained energy) reported from this, and a warning from the next.
RESIDUAL_REPORT_DB = -30.0
RESIDUAL_WARN_DB = -20.0
#: Transient reduction (onsets vs sustain) reported from this, either way.
TRANSIENT_REPORT_DB = 1.5

_BAND_WORDS = {"low": "below 150 Hz", "mid": "150 Hz-5 kHz", "high": "above 5 kHz"}


def _fmt_hz(f: float) -> str:
    return f"{f / 1000:g} kHz" if f >= 1000 else f"{f:g} Hz"


def _fmt_time(s: float) -> str:
    return f"{int(s // 60)}:{s % 60:04.1f}"


def _fin(x) -> bool:
    return x is not None and math.isfinite(x)


def _pair(delta, spec: str = ".1f") -> str:
    """``"pre-treat vs raw"`` of a :class:`MetricDelta`, ``n/a`` for a value that cannot be measured."""
    return " vs ".join(format(v, spec) if _fin(v) else "n/a" for v in (delta.pretreat, delta.raw))


def _eq_regions(bands: np.ndarray, change: np.ndarray) -> list[tuple[float, float, float]]:
    """Contiguous runs of bands with |change| >= EQ_REPORT_DB of one sign: (lo_hz, hi_hz, extreme_db)."""
    out = []
    run: list[int] = []

    def close():
        if run:
            vals = change[run]
            ext = float(vals[np.argmax(np.abs(vals))])
            out.append((float(bands[run[0]]), float(bands[run[-1]]), ext))

    for i, v in enumerate(change):
        if _fin(v) and abs(v) >= EQ_REPORT_DB and (not run or np.sign(change[run[-1]]) == np.sign(v)):
            run.append(i)
        else:
            close()
            run = [i] if (_fin(v) and abs(v) >= EQ_REPORT_DB) else []
    close()
    return out


def comparison_findings(c: Comparison) -> list[Finding]:
    """Findings for a comparison (not ranked: :func:`masteraid.findings.rank` orders them)."""
    out: list[Finding] = []
    rate = c.sample_rate_hz or c.raw.info.sample_rate_hz
    al = c.alignment

    # Corrupt renders first: what follows was measured with those samples as silence
    corrupt = False  # a blown-up render's loudness and peaks say nothing about the bus processing
    name = c.label  # what the second render is called ("pre-treat", "master", ...)
    for who, m in (("raw", c.raw), (name, c.pretreat)):
        n = m.peaks.nonfinite_samples
        if n > 0:
            out.append(Finding(
                "error", "nonfinite_samples",
                f"The {who} has {n} NaN or infinite sample{'s' * (n != 1)} (a plug-in blew up): they were compared "
                "as silence. "
                "Find the plug-in that misbehaves, fix or replace it, and render again.", float(n), "samples"))
        if is_blown_up(m):
            peak = m.peaks.sample_peak_dbfs
            corrupt = True
            out.append(Finding(
                "error", "blown_up",
                f"The {who} peaks at {peak:+.0f} dBFS, more than {BLOWN_UP_PEAK_DBFS:.0f} dB over full scale: a plug-in "
                "blew up. Its loudness and peak readings are meaningless; the EQ, gain reduction and width were "
                "compared with those samples as silence. Find the plug-in that misbehaves, fix or replace it, and "
                "render again.", float(peak), "dBFS"))

    # Alignment
    if al.latency_samples != 0:
        ms = al.latency_samples / rate * 1000
        out.append(Finding(
            "warning", "latency",
            f"The {name} is {abs(al.latency_samples)} samples ({abs(ms):.1f} ms) "
            f"{'later' if al.latency_samples > 0 else 'earlier'} than the raw: plug-in delay the render did not "
            "compensate. MasterAid lined them up; check the bus FX latency (PDC) before rendering again.",
            float(al.latency_samples), "samples"))
    if al.polarity_inverted:
        out.append(Finding(
            "warning", "polarity_inverted",
            f"The {name}'s polarity is inverted against the raw (a phase-invert switch on the bus?): "
            "MasterAid flipped it back for the comparison.", None, None))

    # Loudness
    lv = c.levels
    if lv is not None and _fin(lv.integrated_lufs.delta) and not corrupt:
        d = lv.integrated_lufs.delta
        word = "louder" if d >= 0 else "quieter"
        tp = lv.true_peak_dbtp
        out.append(Finding(
            "info", "loudness_change",
            f"The {name} is {abs(d):.1f} LU {word} ({lv.integrated_lufs.pretreat:.1f} vs "
            f"{lv.integrated_lufs.raw:.1f} LUFS integrated); true peak {_pair(tp, '+.1f')} dBTP, "
            f"PLR {_pair(lv.plr_db)} dB, LRA {_pair(lv.loudness_range_lu)} LU.", float(d), "LU"))
        if _fin(tp.pretreat) and tp.pretreat > 0.0 and (not _fin(tp.raw) or tp.pretreat > tp.raw):
            out.append(Finding(
                "warning", "pretreat_true_peak_over",
                f"The {name}'s true peak is {tp.pretreat:+.1f} dBTP (raw {tp.raw:+.1f}): it will clip on "
                "conversion and lossy encoding — end the bus with a true-peak limiter at -1 dBTP.",
                float(tp.pretreat), "dBTP"))

    # Gain reduction
    gr = c.dynamics.gain_reduction
    if _fin(gr.p95_db) and gr.p95_db >= GR_REPORT_P95_DB:
        hard = gr.p95_db >= GR_HARD_P95_DB
        bands = {k: v for k, v in c.dynamics.band_gain_reduction.items() if _fin(v.p95_db)}
        where = ""
        if bands:
            k = max(bands, key=lambda k: bands[k].p95_db)
            where = f"; hardest {_BAND_WORDS[k]} (95th percentile {bands[k].p95_db:.1f} dB)"
        trace = np.asarray(c.dynamics.trace_db, dtype=float)
        when = ""
        if trace.size and np.isfinite(trace).any():
            i = int(np.nanargmax(trace))
            when = f", deepest at {_fmt_time(c.dynamics.trace_start_s + (i + 1) * c.dynamics.trace_hop_s)}"
        out.append(Finding(
            "warning" if hard else "info", "gain_reduction",
            f"It {'limits hard' if hard else 'compresses'}: gain reduction averages {gr.mean_db:.1f} dB, stays under "
            f"{gr.p95_db:.1f} dB 95% of the time and reaches {gr.max_db:.1f} dB{when}; more than 1 dB for "
            f"{gr.fraction_above_1db * 100:.0f}% of the time{where}.", float(gr.p95_db), "dB"))
    for k, v in c.dynamics.transient_reduction_db.items():
        if _fin(v) and abs(v) >= TRANSIENT_REPORT_DB:
            out.append(Finding(
                "info", "transient_change",
                f"{_BAND_WORDS[k][0].upper() + _BAND_WORDS[k][1:]}: the onsets are turned down {abs(v):.1f} dB "
                f"{'more' if v > 0 else 'less'} than the sustain "
                f"({'attacks softened' if v > 0 else 'attacks come through: a slow attack lets them pass'}).",
                float(v), "dB"))

    # EQ
    t = c.tonal
    regions = _eq_regions(np.asarray(t.bands_hz), np.asarray(t.change_db, dtype=float))
    if regions:
        parts = []
        for lo, hi, ext in regions:
            span = _fmt_hz(lo) if lo == hi else f"{_fmt_hz(lo)}-{_fmt_hz(hi)}"
            parts.append(f"{ext:+.1f} dB at {span}")
        out.append(Finding(
            "info", "eq_change",
            f"It changes the tone (relative to 500 Hz-2 kHz): {', '.join(parts)}.",
            float(max((r[2] for r in regions), key=abs)), "dB"))
    conf = np.asarray(t.confidence, dtype=float)
    untrusted = [float(f) for f, q in zip(t.bands_hz, conf) if q < CONFIDENCE_TRUSTED]
    if untrusted:
        out.append(Finding(
            "info", "eq_untrusted_bands",
            f"{len(untrusted)} band(s) are not a linear filter of the raw (confidence under {CONFIDENCE_TRUSTED}) and "
            f"are not reported as EQ: {', '.join(_fmt_hz(f) for f in untrusted)} — noise, distortion, heavy "
            "compression, or no signal there.", float(len(untrusted)), "bands"))
    if _fin(t.static_gain_db) and abs(t.static_gain_db) >= 0.5:
        out.append(Finding(
            "info", "static_gain",
            f"Its linear part has a broadband gain of {t.static_gain_db:+.1f} dB (500 Hz-2 kHz).",
            float(t.static_gain_db), "dB"))

    # Width
    s = c.stereo
    if _fin(s.side_to_mid_delta_db) and abs(s.side_to_mid_delta_db) >= WIDTH_REPORT_DB:
        wider = s.side_to_mid_delta_db > 0
        audible = s.pretreat_band_side_to_mid_db or {}
        bands = {k: v for k, v in s.band_side_to_mid_delta_db.items()
                 if _fin(v) and (not audible or (_fin(audible.get(k)) and audible[k] >= AUDIBLE_SIDE_DB))}
        most = ""
        if bands:
            k = max(bands, key=lambda k: abs(bands[k]))
            most = f", most {_BAND_WORDS[k]} ({bands[k]:+.1f} dB)"
        corr = ""
        if _fin(s.raw_correlation) and _fin(s.pretreat_correlation):
            corr = f"; L/R correlation {s.raw_correlation:.2f} -> {s.pretreat_correlation:.2f}"
        out.append(Finding(
            "info", "width_change",
            f"It makes the image {'wider' if wider else 'narrower'}: side-to-mid {s.side_to_mid_delta_db:+.1f} dB{most}{corr}.",
            float(s.side_to_mid_delta_db), "dB"))
    low = s.band_side_to_mid_delta_db.get("low") if s.band_side_to_mid_delta_db else None
    low_side = (s.pretreat_band_side_to_mid_db or {}).get("low", float("nan"))
    if _fin(low) and low >= WIDTH_REPORT_DB and _fin(low_side) and low_side >= AUDIBLE_SIDE_DB:
        out.append(Finding(
            "warning", "low_end_wider",
            f"It widens the low end (below 150 Hz side-to-mid {low:+.1f} dB, now {low_side:.1f} dB): bass in the sides weakens in mono "
            "and on vinyl — keep the bus widener above 150 Hz.", float(low), "dB"))

    # Distortion and clipping
    d = c.distortion
    if _fin(d.residual_db) and d.residual_db >= RESIDUAL_REPORT_DB:
        out.append(Finding(
            "warning" if d.residual_db >= RESIDUAL_WARN_DB else "info", "distortion",
            f"It adds distortion or noise: what EQ and gain changes do not explain is {-d.residual_db:.0f} dB below "
            "the signal (saturation, clipping, fast limiting or noise).", float(d.residual_db), "dB"))
    if d.clipped_samples_added > 0:
        frac = d.clipped_samples_added / max(1, c.pretreat.info.frames * c.pretreat.info.channels)
        out.append(Finding(
            "error" if frac > 1e-4 else "warning", "clipping_added",
            f"It clips: {d.clipped_samples_added} more clipped samples than the raw "
            f"({c.pretreat.peaks.clip_runs} runs in the {name}) — lower the level into the last bus plug-in "
            "or use a true-peak limiter.", float(d.clipped_samples_added), "samples"))

    # What streaming normalization makes of the difference (compare uses match, never the reverse).
    from ..match import streaming_findings

    if not corrupt:
        out.extend(streaming_findings(c.raw, c.pretreat, names=("raw", name)))
    return out
