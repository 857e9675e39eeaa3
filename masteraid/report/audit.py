"""The audit of one render as a text report and as a JSON-ready document.

:func:`render_audit_text` is what the ``masteraid audit`` command prints and writes with
``--report``; :func:`audit_document` is its ``--json`` output. Both are pure.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any, Sequence

import numpy as np

from ..analysis.model import Measurements
from ..findings import Finding
from ..serialize import SCHEMA_VERSION

__all__ = ["audit_document", "render_audit_text", "SUMMARY_BANDS_HZ"]

#: 1/3-octave centres shown in the text report's spectrum line (the JSON has all of them).
SUMMARY_BANDS_HZ = (31.5, 63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0)

_WIDTH = 96


# ------------------------------------------------------------------------------------------ JSON


def _findings_json(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    return [
        {"severity": f.severity, "code": f.code, "message": f.message, "value": f.value, "unit": f.unit}
        for f in findings
    ]


def audit_document(m: Measurements, findings: Sequence[Finding], *, include_series: bool = False) -> dict[str, Any]:
    """The audit as plain values, ready for :func:`masteraid.serialize.dumps`.

    Parameters
    ----------
    m : Measurements
    findings : sequence of Finding
        From :func:`masteraid.audit.check`.
    include_series : bool, keyword-only
        Also include the momentary / short-term loudness series (10 values per second each).
        Off by default: they make the document long and are rarely what a script wants.

    Returns
    -------
    dict
        Keys ``schema_version``, ``file``, ``loudness``, ``peaks``, ``dynamics``, ``stereo``,
        ``spectrum``, ``edges``, ``summary``, ``findings``. Non-finite numbers stay as they are
        (``-inf``/``nan``); the serializer turns them into ``null``.
    """
    info, ld, pk, dy, st, sp, ed = m.info, m.loudness, m.peaks, m.dynamics, m.stereo, m.spectrum, m.edges
    loudness: dict[str, Any] = {
        "integrated_lufs": ld.integrated_lufs,
        "loudness_range_lu": ld.loudness_range_lu,
        "max_momentary_lufs": ld.max_momentary_lufs,
        "max_short_term_lufs": ld.max_short_term_lufs,
        "hop_s": ld.hop_s,
        "series_included": bool(include_series),
    }
    if include_series:
        loudness["momentary_lufs"] = np.asarray(ld.momentary_lufs)
        loudness["short_term_lufs"] = np.asarray(ld.short_term_lufs)
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "audit",
        "file": {
            "path": info.path,
            "sample_rate_hz": info.sample_rate_hz,
            "channels": info.channels,
            "frames": info.frames,
            "duration_s": info.duration_s,
            "format": info.format,
            "subtype": info.subtype,
            "bit_depth": info.bit_depth,
            "lossy": info.lossy,
        },
        "loudness": loudness,
        "peaks": {
            "sample_peak_dbfs": pk.sample_peak_dbfs,
            "true_peak_dbtp": pk.true_peak_dbtp,
            "channel_sample_peak_dbfs": list(pk.channel_sample_peak_dbfs),
            "channel_true_peak_dbtp": list(pk.channel_true_peak_dbtp),
            "clipped_samples": pk.clipped_samples,
            "clip_runs": pk.clip_runs,
            "intersample_overs": pk.intersample_overs,
            "ceiling_hits_per_min": pk.ceiling_hits_per_min,
            "dc_offset_dbfs": list(pk.dc_offset_dbfs),
            "nonfinite_samples": pk.nonfinite_samples,
        },
        "dynamics": {
            "rms_dbfs": dy.rms_dbfs,
            "crest_factor_db": dy.crest_factor_db,
            "plr_db": dy.plr_db,
            "psr_db": dy.psr_db,
        },
        "stereo": {
            "correlation": st.correlation,
            "worst_correlation_400ms": st.worst_correlation_400ms,
            "side_to_mid_db": st.side_to_mid_db,
            "balance_db": st.balance_db,
            "mono_loudness_drop_lu": st.mono_loudness_drop_lu,
            "low_end_correlation": st.low_end_correlation,
            "dual_mono": st.dual_mono,
        },
        "spectrum": {
            "bands_hz": np.asarray(sp.bands_hz, dtype=float),
            "band_levels_db": np.asarray(sp.band_levels_db, dtype=float),
            "tilt_db_per_octave": sp.tilt_db_per_octave,
        },
        "edges": {
            "leading_silence_s": ed.leading_silence_s,
            "trailing_silence_s": ed.trailing_silence_s,
            "tail_level_db": ed.tail_level_db,
            "noise_floor_db": ed.noise_floor_db,
            "tail_cut": ed.tail_cut,
        },
        "summary": {
            "ready_for_mastering": counts["error"] == 0 and counts["warning"] == 0,
            "errors": counts["error"],
            "warnings": counts["warning"],
            "infos": counts["info"],
        },
        "findings": _findings_json(findings),
    }


# ------------------------------------------------------------------------------------------ text


def _num(x, unit: str = "", *, fmt: str = "{:.1f}", signed: bool = False) -> str:
    """A measured value for people: ``-inf`` reads ``-inf``, ``nan`` reads ``n/a``."""
    if x is None:
        return "n/a"
    x = float(x)
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        text = "-inf" if x < 0 else "+inf"
    else:
        form = "{:+.1f}" if signed else fmt
        text = form.format(x)
        if float(text) == 0:  # never print "-0.0"
            text = form.format(0.0)
    return f"{text} {unit}".rstrip()


def _per_channel(values, unit: str, *, signed: bool = False) -> str:
    labels = ("L", "R") if len(values) == 2 else tuple(str(i + 1) for i in range(len(values)))
    return ", ".join(f"{lab} {_num(v, unit, signed=signed)}" for lab, v in zip(labels, values))


def _duration(seconds: float) -> str:
    minutes, sec = divmod(seconds, 60.0)
    return f"{int(minutes)}:{sec:04.1f}"


def _row(label: str, value: str, note: str = "") -> str:
    line = f"  {label:<24}{value:>14}"
    if not note:
        return line
    pad = " " * (len(line) + 3)
    return "\n".join(textwrap.wrap(note, width=_WIDTH, initial_indent=line + "   ", subsequent_indent=pad))


def _spectrum_line(m: Measurements) -> list[str]:
    bands = np.asarray(m.spectrum.bands_hz, dtype=float)
    levels = np.asarray(m.spectrum.band_levels_db, dtype=float)
    if bands.size == 0 or levels.size != bands.size:
        return []
    heads, cells = [], []
    for f in SUMMARY_BANDS_HZ:
        i = int(np.argmin(np.abs(np.log2(bands / f))))
        if abs(np.log2(bands[i] / f)) > 0.2:
            continue  # band not present (above Nyquist at low rates)
        heads.append(f"{f / 1000:g}k" if f >= 1000 else f"{f:g}")
        cells.append(_num(levels[i], fmt="{:.0f}"))
    width = max(len(x) for x in heads + cells) + 1
    return [
        "  band (Hz)  " + "".join(h.rjust(width) for h in heads),
        "  level (dB) " + "".join(c.rjust(width) for c in cells),
    ]


def _finding_lines(f: Finding) -> list[str]:
    head = f"  {f.severity.upper():<8}{f.code:<20}"
    body = textwrap.wrap(f.message, width=_WIDTH - len(head))
    pad = " " * len(head)
    return [head + body[0]] + [pad + b for b in body[1:]] if body else [head]


def verdict(findings: Sequence[Finding]) -> str:
    """``"ready for mastering"``, or ``"not ready: 1 error, 2 warnings to look at"``."""
    n_err = sum(1 for f in findings if f.severity == "error")
    n_warn = sum(1 for f in findings if f.severity == "warning")
    if n_err == 0 and n_warn == 0:
        return "ready for mastering"
    parts = []
    if n_err:
        parts.append(f"{n_err} error{'s' if n_err != 1 else ''}")
    if n_warn:
        parts.append(f"{n_warn} warning{'s' if n_warn != 1 else ''}")
    return "not ready: " + ", ".join(parts) + " to look at"


def render_audit_text(m: Measurements, findings: Sequence[Finding]) -> str:
    """A readable audit report: the verdict, the findings, then every measurement by section.

    Parameters
    ----------
    m : Measurements
    findings : sequence of Finding
        From :func:`masteraid.audit.check`, most severe first.

    Returns
    -------
    str
        Plain text (UTF-8, ``\\n`` line ends, ends with a newline), at most ~100 columns wide.
    """
    info, ld, pk, dy, st, ed = m.info, m.loudness, m.peaks, m.dynamics, m.stereo, m.edges
    bits = f"{info.bit_depth}-bit" if info.bit_depth else info.subtype
    lines = [
        f"MasterAid audit: {info.name}",
        "=" * min(_WIDTH, len(info.name) + 17),
        f"File     {info.path or info.name}",
        f"Format   {info.format} {bits}, {info.sample_rate_hz} Hz, {info.channels} ch, "
        f"{_duration(info.duration_s)} ({info.frames} frames)",
        f"Verdict  {verdict(findings)}",
        "",
        "Findings",
    ]
    for f in findings:
        lines += _finding_lines(f)
    lines += [
        "",
        "Loudness (ITU-R BS.1770-4 / EBU R 128)",
        _row("Integrated", _num(ld.integrated_lufs, "LUFS")),
        _row("Loudness range", _num(ld.loudness_range_lu, "LU")),
        _row("Max momentary", _num(ld.max_momentary_lufs, "LUFS")),
        _row("Max short-term", _num(ld.max_short_term_lufs, "LUFS")),
        "",
        "Peaks",
        _row("True peak", _num(pk.true_peak_dbtp, "dBTP", signed=True), _per_channel(pk.channel_true_peak_dbtp, "", signed=True)),
        _row("Sample peak", _num(pk.sample_peak_dbfs, "dBFS", signed=True), _per_channel(pk.channel_sample_peak_dbfs, "", signed=True)),
        _row("Clipped runs", str(pk.clip_runs), f"{pk.clipped_samples} samples"),
        _row("Inter-sample overs", str(pk.intersample_overs)),
        _row("Peaks at the ceiling", _num(pk.ceiling_hits_per_min, "/min", fmt="{:.0f}")),
        _row("DC offset", "", _per_channel(pk.dc_offset_dbfs, "dBFS")),
    ]
    if pk.nonfinite_samples:
        lines.append(_row("NaN/Inf samples", str(pk.nonfinite_samples)))
    lines += [
        "",
        "Dynamics",
        _row("PLR (peak to loudness)", _num(dy.plr_db, "dB")),
        _row("PSR (peak to short-term)", _num(dy.psr_db, "dB")),
        _row("Crest factor", _num(dy.crest_factor_db, "dB")),
        _row("RMS", _num(dy.rms_dbfs, "dBFS")),
    ]
    if info.channels >= 2:
        lines += [
            "",
            "Stereo",
            _row("Correlation", _num(st.correlation, fmt="{:+.2f}")),
            _row("Worst 400 ms", _num(st.worst_correlation_400ms, fmt="{:+.2f}")),
            _row("Low end (<150 Hz)", _num(st.low_end_correlation, fmt="{:+.2f}")),
            _row("Side to mid", _num(st.side_to_mid_db, "dB")),
            _row("Balance (L - R)", _num(st.balance_db, "dB", signed=True)),
            _row("Mono loudness drop", _num(st.mono_loudness_drop_lu, "LU")),
        ]
        if st.dual_mono:
            lines.append("  (dual mono: L = R)")
    spec = _spectrum_line(m)
    if spec:
        lines += ["", "Spectrum (1/3-octave band levels, dBFS)",
                  _row("Tilt 100 Hz-10 kHz", _num(m.spectrum.tilt_db_per_octave, "dB/oct", fmt="{:+.1f}"))]
        lines += spec
    lines += [
        "",
        "Start and end",
        _row("Leading silence", _num(ed.leading_silence_s, "s", fmt="{:.2f}")),
        _row("Trailing silence", _num(ed.trailing_silence_s, "s", fmt="{:.2f}")),
        _row("Last 50 ms level", _num(ed.tail_level_db, "dBFS")),
        _row("Noise floor", _num(ed.noise_floor_db, "dBFS")),
        _row("Tail cut", "yes" if ed.tail_cut else "no"),
        "",
    ]
    return "\n".join(lines)
