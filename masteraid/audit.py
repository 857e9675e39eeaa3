"""Delivery rules: is this render ready to be mastered?

:func:`check` reads a :class:`~masteraid.analysis.model.Measurements` and returns ranked
:class:`~masteraid.findings.Finding` values. It is pure (no I/O, no printing); every threshold is a
named module constant below, with the reasoning a mastering engineer would give for it.

The point of view is the mastering engineer who receives the file: what would make them send it
back (error), what would they ask about (warning), what is worth knowing (info). Each message says
the measured value and what to do in the DAW.

Finding codes are stable (others match on them); never rename one once published:

========================  ========  =========================================================
code                      severity  when
========================  ========  =========================================================
``silent``                error     integrated loudness is ``-inf`` (nothing above the gate);
                                    every other finding is suppressed
``nonfinite_samples``     error     NaN/Inf samples in a float file
``blown_up``              error     a float file peaking more than 40 dB over full scale: every
                                    other finding but ``nonfinite_samples`` is suppressed
``loudness_undefined``    warning   integrated loudness is ``nan`` (file shorter than 400 ms)
``true_peak_over``        error     true peak above 0 dBTP
``low_headroom``          warning   true peak above −1 dBTP (but not above 0)
``intersample_overs``     warning   the oversampled signal crosses 0 dBTP
``clipping``              warning / clipped runs (flat tops near full scale); error when many
                          error
``too_loud``              warning   integrated above −14 LUFS: a mix already at release loudness
``limiter_on_bus``        warning   low PLR / PSR, or many peaks held at one ceiling
``dc_offset``             warning   a channel's DC offset above −50 dBFS
``phase_inverted``        error     overall L/R correlation below −0.2
``phase_dip``             warning   some 400 ms window with correlation below −0.5
``mono_loss``             warning   mono fold-down more than 4 LU quieter
``low_end_not_mono``      warning   L/R correlation below 150 Hz under 0.5
``balance``               warning   left and right differ by more than 2 dB
``dual_mono``             info      L and R are identical
``lossy_source``          error     MP3 / Ogg Vorbis / Opus
``unusual_sample_rate``   warning   not 44.1/48/88.2/96/176.4/192 kHz
``low_bit_depth``         info /    16-bit (info) or 8-bit (error) integer PCM
                          error
``tail_cut``              warning   the render stops while the music still sounds
``leading_silence``       warning   more than 2 s before the first sound
``trailing_silence``      info      more than 5 s after the last sound
``ok``                    info      no warning or error: ready for mastering
========================  ========  =========================================================
"""

from __future__ import annotations

import math

from .analysis.model import Measurements
from .findings import Finding, rank

__all__ = ["check", "refuse_corrupt", "is_blown_up", "STANDARD_RATES_HZ", "BLOWN_UP_PEAK_DBFS"]

# ----------------------------------------------------------------------------------- thresholds
# Headroom. Lossy encoders and sample-rate converters create peaks between samples; EBU R 128 /
# AES TD1004 ask for a true peak of -1 dBTP at most on delivery. A mix for mastering should have
# more (engineers usually ask for peaks around -6..-3 dBFS), but -1 dBTP is the line below which
# nothing is lost yet; above 0 dBTP the waveform already clips on conversion to fixed point.
HEADROOM_TARGET_DBTP = -1.0
TRUE_PEAK_ERROR_DBTP = 0.0

# A mix sent to mastering at release loudness has nowhere to go: the limiting is already baked in.
# Streaming services normalise around -14 LUFS, so a *raw* mix above that has been pushed on the bus.
TOO_LOUD_LUFS = -14.0
#: Typical loudness a mastering engineer likes to receive (for the advice in messages).
MIX_LOUDNESS_ADVICE = "-23 to -16 LUFS"

# Clipping. One or two clipped snare hits are a fader move away from fine; tens of clipped runs per
# minute mean the bus (or a clipper plug-in) is flat-topping the whole song, which mastering cannot undo.
CLIP_RUNS_ERROR_PER_MIN = 10.0

# Limiter still on the bus. Unlimited mixes read a peak-to-loudness ratio (PLR) of about 12-20 dB
# and a peak-to-short-term-loudness ratio (PSR) of 10 dB or more; a limited master reads PLR 6-9 dB
# and PSR 5-8 dB. Independently, a limiter or clipper holding a ceiling leaves hundreds of peaks per
# minute at the same level, where an unlimited mix has a handful. We flag the mix when PLR or PSR is
# clearly in mastered territory, or when the peaks are flat-topped and PLR is below an unlimited mix's.
PLR_LIMITED_DB = 10.0
PSR_LIMITED_DB = 8.0
PLR_UNLIMITED_MIN_DB = 14.0
CEILING_HITS_LIMITED_PER_MIN = 50.0

# DC offset. A healthy mix sits below -70 dBFS. Above -50 dBFS (0.3 % of full scale) the offset
# shifts the limiter's threshold asymmetrically, costs headroom and clicks at edits and fades.
DC_OFFSET_WARN_DBFS = -50.0

# Phase and mono. A whole song whose correlation is clearly negative almost always has one side's
# polarity flipped: it collapses in mono. Not 0: very wide material (ambient pads, uncorrelated
# reverbs, even independent noise) reads around 0 +/- 0.1, which is wide, not broken. A 400 ms window
# below -0.5 is a moment that audibly cancels in mono (a phase-flipped double, an over-wide synth).
# Two uncorrelated channels of equal level lose 3 LU in mono, -10 log10((1 + r) / 2) in general; more
# than 4 LU corresponds to an overall correlation below about -0.2, i.e. anti-phase content.
# Below 150 Hz a mix should be close to mono (vinyl cutting, club systems, mono speakers); a
# correlation under 0.5 there puts a third of the low-end energy in the side channel.
CORRELATION_ERROR = -0.2
WORST_CORRELATION_WARN = -0.5
MONO_DROP_WARN_LU = 4.0
LOW_END_CORRELATION_WARN = 0.5
# Level difference between L and R above which the image leans audibly to one side.
BALANCE_WARN_DB = 2.0

#: Rates a mastering studio takes without asking (Hz).
STANDARD_RATES_HZ = (44100, 48000, 88200, 96000, 176400, 192000)

# Word length: 24-bit or 32-bit float is the norm for mixes. 16-bit is masterable (info), but the
# mastering gain lifts its noise floor; 8-bit is not a mix delivery at all.
BIT_DEPTH_INFO_MAX = 16
BIT_DEPTH_ERROR_MAX = 8

# Edges: a count-in of up to ~2 s is normal; longer means the render range starts too early and the
# engineer has to trim by hand. Long trailing silence only needs trimming (info).
LEADING_SILENCE_WARN_S = 2.0
TRAILING_SILENCE_INFO_S = 5.0


# ------------------------------------------------------------------------------------- helpers


def _finite(x) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


def _db(x: float, unit: str, *, signed: bool = True) -> str:
    """``+0.4 dBTP`` / ``-18.2 LUFS``; never ``-0.0``."""
    v = round(float(x), 1)
    if v == 0:
        v = 0.0
    return f"{v:+.1f} {unit}" if signed else f"{v:.1f} {unit}"


def _round_up_half(x: float) -> float:
    """Round a positive dB amount up to the next 0.5 dB (fader moves people can make)."""
    return math.ceil(x * 2.0 - 1e-9) / 2.0


def _minutes(m: Measurements) -> float:
    return max(m.info.duration_s / 60.0, 1e-9)


# --------------------------------------------------------------------------------------- rules


def _silent(m: Measurements) -> Finding:
    peak = m.peaks.sample_peak_dbfs
    if _finite(peak):
        detail = f"nothing reaches the -70 LUFS loudness gate; the highest sample is {_db(peak, 'dBFS')}"
    else:
        detail = "every sample is zero"
    return Finding(
        "error",
        "silent",
        f"The file is silent ({detail}). Check that the master is not muted, that no solo is left on, "
        "and that the render range covers the song, then render again.",
        m.loudness.integrated_lufs if not math.isnan(m.loudness.integrated_lufs) else None,
        "LUFS",
    )


def _nonfinite(m: Measurements) -> list[Finding]:
    n = m.peaks.nonfinite_samples
    if n <= 0:
        return []
    return [
        Finding(
            "error",
            "nonfinite_samples",
            f"{n} samples are NaN or infinite (a plug-in blew up); they were measured as silence. "
            "Find the plug-in that misbehaves (watch the meters for a sudden full-scale spike), fix or "
            "replace it, and render again.",
            float(n),
            "samples",
        )
    ]


#: A float render peaking this far over full scale (dBFS) is corrupt, not hot: no mix bus gets there, a
#: plug-in blowing up (feedback, denormals, a division by zero) does. Every other level is then
#: meaningless (the audit would ask to pull the fader down 589 dB). ``master`` and ``match`` refuse such a
#: file (:func:`refuse_corrupt`).
BLOWN_UP_PEAK_DBFS = 40.0


def is_blown_up(m: Measurements) -> bool:
    """Whether the render peaks over :data:`BLOWN_UP_PEAK_DBFS` (the one test the audit, the compare's
    findings and :func:`refuse_corrupt` make)."""
    return _finite(m.peaks.sample_peak_dbfs) and m.peaks.sample_peak_dbfs > BLOWN_UP_PEAK_DBFS


def _blown_up(m: Measurements) -> Finding:
    peak = m.peaks.sample_peak_dbfs
    return Finding(
        "error",
        "blown_up",
        f"The file peaks at {peak:+.0f} dBFS, more than {BLOWN_UP_PEAK_DBFS:.0f} dB over full scale: a plug-in blew up "
        "(a float render keeps such values instead of clipping them), and every other measurement is meaningless. "
        "Find the plug-in that misbehaves (watch the meters for a sudden spike), fix or replace it, and render again.",
        float(peak),
        "dBFS",
    )


def refuse_corrupt(m: Measurements, who: str = "render") -> None:
    """Refuse a corrupt render in a command that would write what it makes of it (``master``, ``match``).

    NaN/Inf samples, or a peak over :data:`BLOWN_UP_PEAK_DBFS`: a master or a matched copy would carry
    them (or what filters make of them: full-scale DC, clicks, overflow) into a new file. The audit and
    the compare measure such a file and name the problem instead.

    Raises
    ------
    InvalidAudioError
        Naming the file and ``who`` it is (``"raw"``, ``"pre-treat"``, ``"render"``).
    """
    from .errors import InvalidAudioError

    n = m.peaks.nonfinite_samples
    if n > 0:
        raise InvalidAudioError(
            f"{m.info.name}: the {who} has {n} NaN or infinite sample{'s' * (n != 1)} (a plug-in blew up) — "
            "fix or replace that plug-in and render again; `masteraid audit` measures the rest"
        )
    if is_blown_up(m):
        raise InvalidAudioError(
            f"{m.info.name}: the {who} peaks at {m.peaks.sample_peak_dbfs:+.0f} dBFS, over {BLOWN_UP_PEAK_DBFS:.0f} dB above full scale "
            "(a plug-in blew up) — fix or replace that plug-in and render again"
        )


def _loudness_undefined(m: Measurements) -> list[Finding]:
    if not math.isnan(m.loudness.integrated_lufs):
        return []
    return [
        Finding(
            "warning",
            "loudness_undefined",
            f"The file is {m.info.duration_s:.2f} s long, shorter than one 400 ms loudness block, so its "
            "loudness cannot be measured. Render the whole song.",
            m.info.duration_s,
            "s",
        )
    ]


def _headroom(m: Measurements) -> list[Finding]:
    tp = m.peaks.true_peak_dbtp
    if not _finite(tp) or tp <= HEADROOM_TARGET_DBTP:
        return []
    pull = _round_up_half(tp - HEADROOM_TARGET_DBTP)
    if tp > TRUE_PEAK_ERROR_DBTP:
        return [
            Finding(
                "error",
                "true_peak_over",
                f"True peak is {_db(tp, 'dBTP')}: the mix will clip after encoding or conversion. Pull the "
                f"master fader down about {pull:.1f} dB (aim for {HEADROOM_TARGET_DBTP:.0f} dBTP or lower; "
                "-6 to -3 dBFS peaks are ideal for mastering) and render again.",
                tp,
                "dBTP",
            )
        ]
    return [
        Finding(
            "warning",
            "low_headroom",
            f"True peak is {_db(tp, 'dBTP')}: almost no headroom left for mastering. Pull the master fader "
            f"down about {pull:.1f} dB (peaks around -6 to -3 dBFS are ideal) and render again.",
            tp,
            "dBTP",
        )
    ]


def _intersample(m: Measurements) -> list[Finding]:
    n = m.peaks.intersample_overs
    if n <= 0:
        return []
    return [
        Finding(
            "warning",
            "intersample_overs",
            f"{n} inter-sample overs: between the samples the waveform goes above 0 dBTP "
            f"(true peak {_db(m.peaks.true_peak_dbtp, 'dBTP')}, sample peak "
            f"{_db(m.peaks.sample_peak_dbfs, 'dBFS')}), which a sample-peak meter does not show. "
            "Lower the master, or set the bus limiter to true-peak mode.",
            float(n),
            "events",
        )
    ]


def _clipping(m: Measurements) -> list[Finding]:
    runs = m.peaks.clip_runs
    if runs <= 0:
        return []
    per_min = runs / _minutes(m)
    severity = "error" if per_min >= CLIP_RUNS_ERROR_PER_MIN else "warning"
    return [
        Finding(
            severity,
            "clipping",
            f"{runs} clipped runs ({m.peaks.clipped_samples} samples held flat at "
            f"{_db(m.peaks.sample_peak_dbfs, 'dBFS')}, {per_min:.0f} per minute): the peaks are cut off "
            "and mastering cannot restore them. Find what clips (master bus, a clipper plug-in, a track "
            "fader driving the bus), pull it down and render again.",
            float(runs),
            "runs",
        )
    ]


def _too_loud(m: Measurements) -> list[Finding]:
    il = m.loudness.integrated_lufs
    if not _finite(il) or il <= TOO_LOUD_LUFS:
        return []
    return [
        Finding(
            "warning",
            "too_loud",
            f"Integrated loudness is {_db(il, 'LUFS')}, already at or above release loudness "
            f"({TOO_LOUD_LUFS:.0f} LUFS): the loudness work is baked into the mix. Bypass the bus "
            f"limiter/maximizer and turn the master down so the mix sits around {MIX_LOUDNESS_ADVICE}.",
            il,
            "LUFS",
        )
    ]


def _limiter(m: Measurements) -> list[Finding]:
    plr, psr = m.dynamics.plr_db, m.dynamics.psr_db
    hits = m.peaks.ceiling_hits_per_min
    low_plr = _finite(plr) and plr < PLR_LIMITED_DB
    low_psr = _finite(psr) and psr < PSR_LIMITED_DB
    flat = _finite(hits) and hits >= CEILING_HITS_LIMITED_PER_MIN and _finite(plr) and plr < PLR_UNLIMITED_MIN_DB
    if not (low_plr or low_psr or flat):
        return []
    evidence = []
    if _finite(plr):
        evidence.append(f"peak-to-loudness ratio {_db(plr, 'dB', signed=False)} (unlimited mixes read "
                        f"{PLR_UNLIMITED_MIN_DB:.0f} dB or more)")
    if low_psr:
        evidence.append(f"peak-to-short-term ratio {_db(psr, 'dB', signed=False)}")
    if _finite(hits) and hits >= CEILING_HITS_LIMITED_PER_MIN:
        evidence.append(f"{hits:.0f} peaks per minute held at the same ceiling")
    return [
        Finding(
            "warning",
            "limiter_on_bus",
            "A limiter or clipper is probably still on the master bus: " + ", ".join(evidence) + ". "
            "Bypass it (keep bus EQ/compression if they are part of the sound), render again, and leave "
            "the final limiting to mastering.",
            plr if _finite(plr) else None,
            "dB",
        )
    ]


def _dc(m: Measurements) -> list[Finding]:
    offsets = [d for d in m.peaks.dc_offset_dbfs if _finite(d)]
    if not offsets or max(offsets) <= DC_OFFSET_WARN_DBFS:
        return []
    worst = max(offsets)
    ch = list(m.peaks.dc_offset_dbfs).index(worst) + 1
    return [
        Finding(
            "warning",
            "dc_offset",
            f"DC offset of {_db(worst, 'dBFS')} on channel {ch} (a clean mix sits below -70 dBFS): it costs "
            "headroom and makes clicks at edits. Put a high-pass (or DC filter) at 5-20 Hz on the master or on "
            "the track that causes it, and render again.",
            worst,
            "dBFS",
        )
    ]


def _stereo(m: Measurements) -> list[Finding]:
    s = m.stereo
    if m.info.channels < 2:
        return []
    out: list[Finding] = []
    if s.dual_mono:
        out.append(
            Finding(
                "info",
                "dual_mono",
                "Left and right are identical (dual mono). If the mix should be stereo, check the master's "
                "pan/width and the render's channel settings.",
            )
        )
        return out
    if _finite(s.correlation) and s.correlation < CORRELATION_ERROR:
        out.append(
            Finding(
                "error",
                "phase_inverted",
                f"Left and right are out of phase overall (correlation {s.correlation:+.2f}): the mix largely "
                "cancels in mono. Check for a polarity (phase) flip on the master or on a main track, fix it and "
                "render again.",
                s.correlation,
                None,
            )
        )
    elif _finite(s.worst_correlation_400ms) and s.worst_correlation_400ms < WORST_CORRELATION_WARN:
        out.append(
            Finding(
                "warning",
                "phase_dip",
                f"At least one moment is strongly out of phase (400 ms correlation down to "
                f"{s.worst_correlation_400ms:+.2f}): it will thin out or vanish in mono. Listen in mono, find the "
                "wide or phase-flipped part (doubles, stereo wideners) and narrow it.",
                s.worst_correlation_400ms,
                None,
            )
        )
    if _finite(s.mono_loudness_drop_lu) and s.mono_loudness_drop_lu > MONO_DROP_WARN_LU:
        out.append(
            Finding(
                "warning",
                "mono_loss",
                f"The mono fold-down is {s.mono_loudness_drop_lu:.1f} LU quieter than the stereo mix (uncorrelated "
                "channels lose 3 LU): anti-phase content cancels on mono speakers. Reduce "
                "stereo widening on the bus and the widest tracks.",
                s.mono_loudness_drop_lu,
                "LU",
            )
        )
    if _finite(s.low_end_correlation) and s.low_end_correlation < LOW_END_CORRELATION_WARN:
        out.append(
            Finding(
                "warning",
                "low_end_not_mono",
                f"The low end (below 150 Hz) is not mono (correlation {s.low_end_correlation:+.2f}): kick and bass "
                "lose punch in mono and on club systems. Pan kick and bass to the centre, or narrow the lows "
                "(mono below about 120 Hz) on the bus.",
                s.low_end_correlation,
                None,
            )
        )
    if _finite(s.balance_db) and abs(s.balance_db) > BALANCE_WARN_DB:
        side = "left" if s.balance_db > 0 else "right"
        out.append(
            Finding(
                "warning",
                "balance",
                f"The mix leans to the {side}: {abs(s.balance_db):.1f} dB more energy on that side. Check the "
                "master's pan/balance and the panning of the main elements.",
                s.balance_db,
                "dB",
            )
        )
    return out


def _format(m: Measurements) -> list[Finding]:
    info = m.info
    out: list[Finding] = []
    if info.lossy:
        out.append(
            Finding(
                "error",
                "lossy_source",
                f"The file is lossy ({info.format}/{info.subtype}): codec artefacts are baked in and get louder in "
                "mastering. Send the WAV, AIFF or FLAC render instead.",
            )
        )
    if info.sample_rate_hz not in STANDARD_RATES_HZ:
        out.append(
            Finding(
                "warning",
                "unusual_sample_rate",
                f"Sample rate is {info.sample_rate_hz} Hz, not a studio rate (44.1/48/88.2/96/176.4/192 kHz). "
                "Render at the project's rate, usually 44.1 or 48 kHz.",
                float(info.sample_rate_hz),
                "Hz",
            )
        )
    bits = info.bit_depth
    if bits is not None and bits <= BIT_DEPTH_INFO_MAX:
        if bits <= BIT_DEPTH_ERROR_MAX:
            out.append(
                Finding(
                    "error",
                    "low_bit_depth",
                    f"The file is {bits}-bit: far too coarse for mastering (audible noise and distortion). "
                    "Render 24-bit or 32-bit float.",
                    float(bits),
                    "bit",
                )
            )
        else:
            out.append(
                Finding(
                    "info",
                    "low_bit_depth",
                    f"The file is {bits}-bit: it can be mastered, but mastering gain lifts its noise floor. "
                    "A 24-bit or 32-bit float render is better.",
                    float(bits),
                    "bit",
                )
            )
    return out


def _edges(m: Measurements) -> list[Finding]:
    e = m.edges
    out: list[Finding] = []
    if e.tail_cut:
        out.append(
            Finding(
                "warning",
                "tail_cut",
                f"The render stops while the music is still sounding (last 50 ms at {_db(e.tail_level_db, 'dBFS')}): "
                "the reverb tail or fade is cut. Extend the render range past the end of the tail and render again.",
                e.tail_level_db if _finite(e.tail_level_db) else None,
                "dBFS",
            )
        )
    if _finite(e.leading_silence_s) and e.leading_silence_s > LEADING_SILENCE_WARN_S:
        out.append(
            Finding(
                "warning",
                "leading_silence",
                f"{e.leading_silence_s:.1f} s of silence before the music starts. Start the render range closer "
                "to the first note (a short count-in is fine).",
                e.leading_silence_s,
                "s",
            )
        )
    if _finite(e.trailing_silence_s) and e.trailing_silence_s > TRAILING_SILENCE_INFO_S:
        out.append(
            Finding(
                "info",
                "trailing_silence",
                f"{e.trailing_silence_s:.1f} s of silence after the music ends; it will be trimmed in mastering.",
                e.trailing_silence_s,
                "s",
            )
        )
    return out


def _ok(m: Measurements) -> Finding:
    tp, il = m.peaks.true_peak_dbtp, m.loudness.integrated_lufs
    parts = []
    if _finite(tp):
        parts.append(f"{-tp:.1f} dB of headroom (true peak {_db(tp, 'dBTP')})")
    if _finite(il):
        parts.append(f"{_db(il, 'LUFS')} integrated")
    if _finite(m.dynamics.plr_db):
        parts.append(f"PLR {_db(m.dynamics.plr_db, 'dB', signed=False)}")
    parts.append("no clipping")
    return Finding("info", "ok", "Ready for mastering: " + ", ".join(parts) + ".")


# ------------------------------------------------------------------------------------ the check


def check(m: Measurements) -> tuple[Finding, ...]:
    """Audit one render for mastering delivery.

    Parameters
    ----------
    m : Measurements
        One analysis pass over the render (:func:`masteraid.analysis.analyze`).

    Returns
    -------
    tuple of Finding
        Ranked, most severe first (:func:`masteraid.findings.rank`). A silent file yields only the
        ``silent`` finding (plus ``nonfinite_samples`` when NaN/Inf samples explain it), a blown-up one only
        ``blown_up`` (and ``nonfinite_samples``). When no rule
        raises a warning or an error, an ``ok`` info finding summarises headroom and loudness.
    """
    il = m.loudness.integrated_lufs
    if il == -math.inf or m.peaks.sample_peak_dbfs == -math.inf:
        return rank([*_nonfinite(m), _silent(m)])
    if is_blown_up(m):
        return rank([*_nonfinite(m), _blown_up(m)])
    findings: list[Finding] = []
    findings += _nonfinite(m)
    findings += _loudness_undefined(m)
    findings += _headroom(m)
    findings += _intersample(m)
    findings += _clipping(m)
    findings += _too_loud(m)
    findings += _limiter(m)
    findings += _dc(m)
    findings += _stereo(m)
    findings += _format(m)
    findings += _edges(m)
    if not any(f.severity in ("warning", "error") for f in findings):
        findings.insert(0, _ok(m))
    return rank(findings)
