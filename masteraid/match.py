"""Loudness-matched listening and the streaming-normalization preview.

Everything here works on :class:`~masteraid.analysis.model.Measurements` (the engine's output), not on
audio: the gains come from the meters' numbers, so planning is instant and exact to the meters.

* :func:`plan_match` — gains that make two or more renders equally loud (integrated, max short-term,
  or over a time range), never pushing any above its true-peak ceiling: when matching up to the
  loudest would exceed it, the common target is lowered ("match down") until it fits.
* :func:`streaming_preview` — for each platform in :data:`masteraid.platforms.PLATFORMS`, the playback
  gain a render gets and its resulting loudness and true peak.
* :func:`streaming_findings` — what normalization does to the difference between a raw and a
  pre-treated render.
* :func:`write_matched` — a matched copy as 32-bit float WAV (new name, never overwriting).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .audio import AudioWriter, open_source, unique_path
from .errors import ConfigError, InvalidAudioError
from .findings import Finding
from .platforms import PLATFORMS, PlatformPolicy
from .units import db_to_gain

__all__ = [
    "MATCH_BY",
    "MatchEntry",
    "MatchPlan",
    "PlatformPlayback",
    "loudness_over_range",
    "plan_match",
    "playback_of",
    "streaming_preview",
    "streaming_findings",
    "write_matched",
]

MATCH_BY = ("integrated", "short-term-max")

# ITU-R BS.1770-4, eq. 2: L = -0.691 + 10 log10(sum G_i z_i); gates of eq. 4-7.
_K_OFFSET = -0.691
_ABSOLUTE_GATE_LUFS = -70.0
_RELATIVE_GATE_LU = -10.0
_MOMENTARY_S = 0.4
_SHORT_TERM_S = 3.0


@dataclass(frozen=True)
class MatchEntry:
    """One render in a :class:`MatchPlan`.

    Attributes
    ----------
    name : str
    level_lufs : float
        The render's loudness by the plan's measure (integrated, or max short-term), over its range.
    true_peak_dbtp : float
        The render's true peak (whole file).
    gain_db : float
        Gain to apply.
    matched_level_lufs, matched_true_peak_dbtp : float
        After the gain.
    """

    name: str
    level_lufs: float
    true_peak_dbtp: float
    gain_db: float
    matched_level_lufs: float
    matched_true_peak_dbtp: float


@dataclass(frozen=True)
class MatchPlan:
    """Gains that make renders equally loud.

    Attributes
    ----------
    by : str
        ``"integrated"`` or ``"short-term-max"``.
    start_s, end_s : float or None
        The time range measured (``None``: the whole file).
    ceiling_dbtp : float
        No render's true peak is pushed above this.
    target_lufs : float
        The common level after matching.
    matched_down : bool
        The target is below the loudest render's level because matching up would have exceeded the
        ceiling.
    entries : tuple of MatchEntry
    """

    by: str
    start_s: float | None
    end_s: float | None
    ceiling_dbtp: float
    target_lufs: float
    matched_down: bool
    entries: tuple[MatchEntry, ...]


@dataclass(frozen=True)
class PlatformPlayback:
    """What one platform does to one render.

    Attributes
    ----------
    platform : str
        :attr:`PlatformPolicy.key`.
    name : str
    target_lufs : float
    gain_db : float
        Playback gain the platform applies (negative: turned down).
    playback_lufs : float
        Integrated loudness as played (approximate where a playback limiter works).
    playback_true_peak_dbtp : float
        True peak as played (with a playback limiter: at most its threshold, approximately).
    limited : bool
        Turn-up was held back by the true peak, or a playback limiter engages.
    policy_known : bool
        ``False`` when the gain depends on a policy nobody documents (then shown without turn-up).
    note : str
    """

    platform: str
    name: str
    target_lufs: float
    gain_db: float
    playback_lufs: float
    playback_true_peak_dbtp: float
    limited: bool
    policy_known: bool
    note: str = ""


def _gated_integrated(momentary_lufs: np.ndarray) -> float:
    """BS.1770-4 gated loudness of a set of 400 ms block loudnesses (75 % overlap)."""
    l = np.asarray(momentary_lufs, dtype=float)
    l = l[np.isfinite(l) & (l > _ABSOLUTE_GATE_LUFS)]
    if l.size == 0:
        return float("-inf")
    z = 10 ** ((l - _K_OFFSET) / 10)
    rel = _K_OFFSET + 10 * np.log10(z.mean()) + _RELATIVE_GATE_LU
    z = z[l > rel]
    return float(_K_OFFSET + 10 * np.log10(z.mean())) if z.size else float("-inf")


def loudness_over_range(m, *, by: str = "integrated", start_s: float | None = None, end_s: float | None = None) -> float:
    """A render's loudness by ``by`` over ``[start_s, end_s]`` (whole file when both are ``None``).

    Over a range, the integrated loudness is recomputed exactly per BS.1770-4 from the momentary
    series (its 400 ms blocks every 100 ms are the standard's gating blocks), using the blocks that lie
    wholly inside the range; the max short-term uses the 3 s windows wholly inside it.
    """
    if by not in MATCH_BY:
        raise ConfigError(f"by must be one of {MATCH_BY}, got {by!r}")
    lo = m.loudness
    if start_s is None and end_s is None:
        return float(lo.integrated_lufs if by == "integrated" else lo.max_short_term_lufs)
    start = 0.0 if start_s is None else float(start_s)
    end = m.info.duration_s if end_s is None else float(end_s)
    if not end > start:
        raise ConfigError(f"the time range must end after it starts: start {start:g} s, end {end:g} s")
    series, width = (lo.momentary_lufs, _MOMENTARY_S) if by == "integrated" else (lo.short_term_lufs, _SHORT_TERM_S)
    series = np.asarray(series, dtype=float)
    ends = width + np.arange(series.shape[0]) * lo.hop_s
    sel = series[(ends - width >= start - 1e-9) & (ends <= end + 1e-9)]
    if sel.size == 0:
        raise ConfigError(
            f"{m.info.name}: the range {start:g}-{end:g} s holds no {'400 ms block' if by == 'integrated' else '3 s window'} "
            "— choose a longer range"
        )
    if by == "integrated":
        return _gated_integrated(sel)
    fin = sel[~np.isnan(sel)]
    return float(fin.max()) if fin.size else float("nan")


def plan_match(*measurements, by: str = "integrated", start_s: float | None = None, end_s: float | None = None,
               ceiling_dbtp: float = 0.0, names: Sequence[str] | None = None) -> MatchPlan:
    """Gains that make the renders equally loud without pushing any true peak above ``ceiling_dbtp``.

    The target is the loudest render's level, unless raising a quieter one that far would push its
    true peak over the ceiling; then the target is lowered to the highest level every render can
    reach (so louder renders are turned down: "where matching up would clip, match down").

    Parameters
    ----------
    *measurements : Measurements
        Two or more.
    by : {"integrated", "short-term-max"}, keyword-only
    start_s, end_s : float, keyword-only, optional
        Measure over this time range (s) instead of the whole file.
    ceiling_dbtp : float, keyword-only
        Highest true peak allowed after the gain (default 0 dBTP).
    names : sequence of str, keyword-only, optional
        Labels; default the file names.
    """
    if len(measurements) < 2:
        raise ConfigError(f"loudness matching needs two or more renders, got {len(measurements)}")
    if not math.isfinite(ceiling_dbtp) or ceiling_dbtp > 0.0 or ceiling_dbtp < -20.0:
        raise ConfigError(f"ceiling_dbtp must be between -20 and 0 dBTP, got {ceiling_dbtp}")
    labels = list(names) if names is not None else [m.info.name for m in measurements]
    if len(labels) != len(measurements):
        raise ConfigError(f"{len(labels)} names for {len(measurements)} renders")
    levels = [loudness_over_range(m, by=by, start_s=start_s, end_s=end_s) for m in measurements]
    peaks = [float(m.peaks.true_peak_dbtp) for m in measurements]
    for label, level, peak in zip(labels, levels, peaks):
        if not math.isfinite(level) or not math.isfinite(peak):
            raise InvalidAudioError(
                f"{label}: its loudness cannot be measured (silent, under BS.1770's -70 LUFS gate, or shorter than one block"
                f"{' in that range' if start_s is not None or end_s is not None else ''}) — it cannot be "
                "loudness-matched; check the render"
            )
    loudest = max(levels)
    reachable = min(level + ceiling_dbtp - peak for level, peak in zip(levels, peaks))
    target = min(loudest, reachable)
    entries = tuple(
        MatchEntry(name=label, level_lufs=level, true_peak_dbtp=peak, gain_db=target - level,
                   matched_level_lufs=target, matched_true_peak_dbtp=peak + target - level)
        for label, level, peak in zip(labels, levels, peaks)
    )
    return MatchPlan(by=by, start_s=start_s, end_s=end_s, ceiling_dbtp=float(ceiling_dbtp), target_lufs=target,
                     matched_down=bool(target < loudest - 1e-9), entries=entries)


def _playback(p: PlatformPolicy, level: float, peak: float) -> PlatformPlayback:
    diff = p.target_lufs - level
    known, limited, note = True, False, ""
    if diff <= 0:
        if p.turns_down is None:
            gain, known, note = 0.0, False, "turn-down policy unknown: shown as played unchanged"
        else:
            gain = diff if p.turns_down else 0.0
        out_peak = peak + gain
    elif p.turns_up == "no":
        gain, out_peak, note = 0.0, peak, "quieter than the target: not turned up"
    elif p.turns_up == "to_true_peak":
        room = max(0.0, p.up_true_peak_limit_dbtp - peak)
        gain = min(diff, room)
        limited = gain < diff - 1e-9
        out_peak = peak + gain
        if limited:
            note = f"turned up only {gain:.1f} dB of {diff:.1f}: the true peak reaches {p.up_true_peak_limit_dbtp:g} dBTP"
    elif p.turns_up == "with_limiter":
        gain = diff
        limited = peak + gain > p.limiter_threshold_dbfs
        out_peak = min(peak + gain, p.limiter_threshold_dbfs)
        if limited:
            note = (f"turned up {gain:.1f} dB into the playback limiter at {p.limiter_threshold_dbfs:g} dBFS: "
                    "loudness as played is approximate and the peaks are squashed")
    else:
        gain, out_peak, known = 0.0, peak, False
        note = f"turn-up policy unknown: shown without turn-up (it could be turned up by as much as {diff:.1f} dB)"
    return PlatformPlayback(platform=p.key, name=p.name, target_lufs=p.target_lufs, gain_db=gain,
                            playback_lufs=level + gain, playback_true_peak_dbtp=out_peak,
                            limited=limited, policy_known=known, note=note)


def streaming_preview(m, *, platforms: Sequence[PlatformPolicy] = PLATFORMS) -> tuple[PlatformPlayback, ...]:
    """What each platform's normalization does to a render, from its integrated loudness and true peak.

    A render whose loudness cannot be measured (silence) gets ``nan`` gains.
    """
    return playback_of(float(m.loudness.integrated_lufs), float(m.peaks.true_peak_dbtp), platforms=platforms)


def playback_of(level: float, peak: float, *, platforms: Sequence[PlatformPolicy] = PLATFORMS
                ) -> tuple[PlatformPlayback, ...]:
    """:func:`streaming_preview` from an integrated loudness (LUFS) and a true peak (dBTP)."""
    if not (math.isfinite(level) and math.isfinite(peak)):
        nan = float("nan")
        return tuple(PlatformPlayback(p.key, p.name, p.target_lufs, nan, nan, nan, False, False,
                                      "loudness not measurable (silent or too short)") for p in platforms)
    return tuple(_playback(p, level, peak) for p in platforms)


def streaming_findings(raw, pretreat, *, platforms: Sequence[PlatformPolicy] = PLATFORMS,
                       names: tuple[str, str] = ("raw", "pre-treat")) -> list[Finding]:
    """What normalization does to the difference between a render and its louder processed version.

    * ``louder_normalized_away`` — the second render is at least 1 LU louder, yet on platforms with a
      known policy it plays no more than 0.5 LU louder than the first;
    * ``smaller_at_equal_loudness`` — its PLR is at least 1 dB lower: at equal loudness it has less
      peak above the body of the music and will sound smaller, not louder.
    """
    a, b = names
    la, lb = float(raw.loudness.integrated_lufs), float(pretreat.loudness.integrated_lufs)
    out: list[Finding] = []
    if not (math.isfinite(la) and math.isfinite(lb)):
        return out
    louder = lb - la
    if louder >= 1.0:
        pa = {p.platform: p for p in streaming_preview(raw, platforms=platforms)}
        pb = streaming_preview(pretreat, platforms=platforms)
        same = [p for p in pb if p.policy_known and pa[p.platform].policy_known
                and p.playback_lufs - pa[p.platform].playback_lufs <= 0.5]
        if same:
            diffs = [p.playback_lufs - pa[p.platform].playback_lufs for p in same]
            out.append(Finding(
                "warning", "louder_normalized_away",
                f"The {b} is {louder:.1f} LU louder than the {a}, but after loudness normalization it plays "
                f"{'no louder' if max(diffs) <= 0.05 else f'at most {max(diffs):.1f} LU louder'} on "
                f"{_and_list([p.name for p in same])}: the extra loudness is turned away there.",
                float(louder), "LU"))
    plr_a, plr_b = float(raw.dynamics.plr_db), float(pretreat.dynamics.plr_db)
    if math.isfinite(plr_a) and math.isfinite(plr_b) and plr_a - plr_b >= 1.0:
        out.append(Finding(
            "warning" if plr_a - plr_b >= 3.0 else "info", "smaller_at_equal_loudness",
            f"At equal loudness the {b} has {plr_a - plr_b:.1f} dB less peak-to-loudness ratio than the {a} "
            f"(PLR {plr_b:.1f} vs {plr_a:.1f} dB): on a normalized platform it will sound smaller and flatter, "
            "not louder.", float(plr_b - plr_a), "dB"))
    return out


def _and_list(names: list[str]) -> str:
    """``"A"``, ``"A and B"``, ``"A, B and C"``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def write_matched(source, gain_db: float, out_path, *, block_frames: int = 1 << 16) -> Path:
    """Write ``source`` times ``gain_db`` as a 32-bit float WAV at ``out_path`` (a free name is picked).

    Float output: no clipping is introduced by the gain (peaks above 0 dBFS stay intact in the file).
    Returns the path written.
    """
    src = open_source(source)
    g = db_to_gain(float(gain_db))
    path = unique_path(out_path)
    with AudioWriter(path, src.info.sample_rate_hz, src.info.channels, subtype="FLOAT", format="WAV") as w:
        for block in src.blocks(block_frames):
            w.write((block * g).astype(np.float32))
    return path
