"""Synthesize the bundled example: a 20 s stereo mix and its pre-treated (bus-processed) version.

Deterministic (fixed seed, numpy/scipy only), runnable as a script and importable::

    python -m masteraid.examples.make_example [--out DIR]

writes ``example_raw.flac`` and ``example_pretreat.flac`` (44.1 kHz, 16-bit stereo FLAC at full
compression) into DIR (default: this folder), refusing to overwrite existing files. :func:`make_raw` and
:func:`pretreat` return the float arrays for tests.

The mix (120 BPM, A minor, :data:`DURATION_S` seconds: intro, the four chords twice with a
breakdown, a final chord): kick, snare and off-beat hi-hats, a saw bass, a voice-like lead
(band-limited sawtooth with delayed vibrato through vowel formant filters, in phrases), and
additive pads, the only wide element (a tone shared by both sides plus a detuned sine per side).
Everything else is centred (identical samples in both channels), which, with short noise bursts,
keeps the FLAC files as small as 16-bit stereo allows (README.md, "Size"). It is mixed with headroom
(sample peak :data:`RAW_PEAK_DBFS`) and ends with a decaying chord and silence, so its tail is not cut.

The pre-treat is a KNOWN bus chain, applied in this order (see README.md for the numbers):
high shelf, low shelf, RMS bus compressor, make-up gain, a block-based peak limiter and a hard
clipper at the ceiling, then a plug-in latency (the pre-treat starts later). Every parameter is a
module constant so the compare stage's estimates can be checked against them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy import ndimage, signal

__all__ = [
    "RATE_HZ",
    "DURATION_S",
    "make_raw",
    "pretreat",
    "write_examples",
    "RAW_NAME",
    "PRETREAT_NAME",
    "CHAIN",
]

RATE_HZ = 44100
DURATION_S = 20.0
SEED = 20261123
TEMPO_BPM = 120.0
#: Sample peak of the raw mix (dBFS); its true peak lands a few tenths above.
RAW_PEAK_DBFS = -4.5

# ------------------------------------------------------------------ the pre-treat bus chain
#: RBJ-cookbook high shelf: +3 dB above ~8 kHz (corner = half-gain point 8 kHz, shelf slope S = 1).
HIGH_SHELF_HZ, HIGH_SHELF_DB = 8000.0, 3.0
#: RBJ-cookbook low shelf: +2 dB below ~100 Hz (corner 100 Hz, S = 1).
LOW_SHELF_HZ, LOW_SHELF_DB = 100.0, 2.0
#: Bus compressor: stereo-linked feed-forward RMS detector, hard knee.
COMP_THRESHOLD_DBFS = -27.0
COMP_RATIO = 4.0
COMP_RMS_MS = 30.0  # one-pole time constant of the mean-square detector
COMP_SMOOTH_MS = 60.0  # one-pole smoothing of the gain (dB) curve
COMP_MAKEUP_DB = 0.0
#: Gain into the limiter (dB): sets the final loudness (about -8.7 LUFS on this mix).
LIMITER_DRIVE_DB = 16.5
#: Limiter: ceiling and hard clipper at -0.1 dBFS sample peak; gain computed on 32-sample blocks
#: with one block of look-ahead, released at a constant rate.
CEILING_DBFS = -0.1
LIMITER_BLOCK_SAMPLES = 32
LIMITER_RELEASE_DB_PER_S = 60.0
#: Plug-in latency: the pre-treat is delayed by this many samples (same length as the raw).
LATENCY_SAMPLES = 64

#: The chain above as data, for tests that check what the compare stage recovers.
CHAIN = {
    "high_shelf": {"freq_hz": HIGH_SHELF_HZ, "gain_db": HIGH_SHELF_DB, "slope": 1.0, "design": "RBJ cookbook"},
    "low_shelf": {"freq_hz": LOW_SHELF_HZ, "gain_db": LOW_SHELF_DB, "slope": 1.0, "design": "RBJ cookbook"},
    "compressor": {"threshold_dbfs": COMP_THRESHOLD_DBFS, "ratio": COMP_RATIO, "rms_ms": COMP_RMS_MS,
                   "smooth_ms": COMP_SMOOTH_MS, "makeup_db": COMP_MAKEUP_DB, "stereo_linked": True},
    "drive_db": LIMITER_DRIVE_DB,
    "limiter": {"ceiling_dbfs": CEILING_DBFS, "block_samples": LIMITER_BLOCK_SAMPLES,
                "release_db_per_s": LIMITER_RELEASE_DB_PER_S},
    "clipper_dbfs": CEILING_DBFS,
    "latency_samples": LATENCY_SAMPLES,
}

RAW_NAME = "example_raw.flac"
PRETREAT_NAME = "example_pretreat.flac"

_A4 = 440.0
#: Harmonics of the additive pad voices (few, so the file stays small: FLAC predicts tones well).
PAD_HARMONICS = 4
#: Harmonics of the lead's sawtooth source (band-limited, so the formants do the talking; 8 reach F3
#: on every note of the tune, more only cost bytes).
LEAD_HARMONICS = 8
#: Level of the per-side detuned pad layer (the pads' width) relative to the shared tone's fundamental.
PAD_SIDE_GAIN = 1.0
#: Harmonics of that detuned layer: one (a sine), so the side channel is as cheap as a side can be.
PAD_SIDE_HARMONICS = 1


def _hz(semitones_from_a4: float) -> float:
    return _A4 * 2.0 ** (semitones_from_a4 / 12.0)


# ---------------------------------------------------------------------------------- oscillators


def _phase(freq_hz: np.ndarray, rate: int) -> np.ndarray:
    """Running phase in cycles (0..1) of a (possibly varying) frequency."""
    return np.mod(np.cumsum(freq_hz / rate), 1.0)


def _saw(freq_hz: np.ndarray, rate: int, phase0: float = 0.0) -> np.ndarray:
    """PolyBLEP band-limited sawtooth, -1..1, vectorized."""
    freq_hz = np.broadcast_to(np.asarray(freq_hz, dtype=float), np.shape(freq_hz))
    t = np.mod(_phase(freq_hz, rate) + phase0, 1.0)
    dt = np.clip(freq_hz / rate, 1e-9, 0.5)
    y = 2.0 * t - 1.0
    a = t < dt
    u = t[a] / dt[a]
    y[a] -= u + u - u * u - 1.0
    b = t > 1.0 - dt
    u = (t[b] - 1.0) / dt[b]
    y[b] -= u * u + u + u + 1.0
    return y


def _additive(freq_hz: np.ndarray, rate: int, harmonics: int, rolloff: float, phase0: float = 0.0) -> np.ndarray:
    """A few harmonics ``k = 1..harmonics`` at ``1/k**rolloff``: a soft, highly predictable tone."""
    ph = 2 * np.pi * (np.cumsum(freq_hz / rate) + phase0)
    return sum(np.sin(k * ph) / k**rolloff for k in range(1, harmonics + 1))


def _env(n: int, rate: int, attack_s: float, decay_s: float) -> np.ndarray:
    t = np.arange(n) / rate
    att = np.clip(t / max(attack_s, 1e-6), 0.0, 1.0)
    return att * np.exp(-t / decay_s)


def _adsr(n: int, rate: int, attack_s: float, release_s: float) -> np.ndarray:
    """Attack to 1, hold, and a release in the last ``release_s`` of the note."""
    t = np.arange(n) / rate
    dur = n / rate
    att = np.clip(t / attack_s, 0.0, 1.0)
    rel = np.clip((dur - t) / release_s, 0.0, 1.0)
    return att * rel


def _place(out: np.ndarray, start_s: float, sound: np.ndarray, rate: int) -> None:
    i = int(round(start_s * rate))
    if i >= out.shape[0]:
        return
    n = min(sound.shape[0], out.shape[0] - i)
    out[i : i + n] += sound[:n]


# ---------------------------------------------------------------------------------- instruments


def _kick(rate: int) -> np.ndarray:
    n = int(0.45 * rate)
    t = np.arange(n) / rate
    f = 48.0 + 110.0 * np.exp(-t / 0.03)
    body = np.sin(2 * np.pi * np.cumsum(f) / rate) * np.exp(-t / 0.16)
    click = np.exp(-t / 0.002) * 0.3
    return body + click


def _snare(rate: int, rng: np.random.Generator) -> np.ndarray:
    n = int(0.3 * rate)
    t = np.arange(n) / rate
    tone = np.sin(2 * np.pi * 190.0 * t) * np.exp(-t / 0.06)
    sos = signal.butter(2, [1200.0, 6000.0], btype="bandpass", fs=rate, output="sos")
    noise = signal.sosfilt(sos, rng.standard_normal(n)) * np.exp(-t / SNARE_NOISE_DECAY_S)
    return 0.6 * tone + 1.6 * noise


def _hat(rate: int, rng: np.random.Generator, decay_s: float) -> np.ndarray:
    n = int(0.12 * rate)
    t = np.arange(n) / rate
    sos = signal.butter(4, 7000.0, btype="highpass", fs=rate, output="sos")
    return signal.sosfilt(sos, rng.standard_normal(n)) * np.exp(-t / decay_s)


def _pad_voice(f0: float, detune: float, n: int, rate: int, phase0: float, side_phase: float) -> np.ndarray:
    """One pad note on one side: a soft additive tone shared by both sides (same phase: it cancels in
    the side channel) plus a sine detuned differently per side, the stereo width."""
    centre = _additive(np.full(n, f0), rate, PAD_HARMONICS, 1.5, phase0)
    return centre + PAD_SIDE_GAIN * _additive(np.full(n, f0 * detune), rate, PAD_SIDE_HARMONICS, 1.5, side_phase)


def _formant_filter(x: np.ndarray, formants: tuple[tuple[float, float], ...], rate: int) -> np.ndarray:
    """Parallel resonators (centre Hz, gain) with ~80-120 Hz bandwidth, like a sung vowel."""
    out = np.zeros_like(x)
    for fc, gain in formants:
        bw = 60.0 + 0.06 * fc
        b, a = signal.iirpeak(fc, fc / bw, fs=rate)
        out += gain * signal.lfilter(b, a, x)
    return out


# vowel formants (F1, F2, F3) with relative gains
_VOWELS = {
    "a": ((800.0, 1.0), (1150.0, 0.6), (2900.0, 0.25)),
    "o": ((450.0, 1.0), (800.0, 0.5), (2830.0, 0.15)),
    "e": ((400.0, 1.0), (2000.0, 0.45), (2550.0, 0.3)),
    "i": ((300.0, 1.0), (2300.0, 0.35), (3000.0, 0.3)),
}

# chords per bar: (bass root semitones from A4, chord tones from A4)
_CHORDS = [
    (-24, (-12, -9, -5)),  # Am
    (-28, (-16, -12, -9)),  # F
    (-21, (-9, -5, -2)),  # C
    (-26, (-14, -10, -7)),  # G
]

# lead phrases: (bar, beat offset, length in beats, semitones from A4, vowel). Bars 1-4 state the
# tune; bars 5-8 answer it (bar 5 is the breakdown: pads and lead alone) and come home to A.
_MELODY = [
    (1, 0.0, 1.0, 3, "a"), (1, 1.0, 0.5, 5, "o"), (1, 1.5, 1.5, 7, "a"),
    (2, 0.0, 1.0, 5, "e"), (2, 1.0, 2.0, 3, "a"),
    (3, 0.0, 0.5, 0, "o"), (3, 0.5, 0.5, 3, "a"), (3, 1.0, 1.5, 7, "i"), (3, 2.5, 1.0, 8, "a"),
    (4, 0.0, 1.0, 10, "a"), (4, 1.0, 1.0, 8, "e"), (4, 2.0, 1.5, 7, "o"),
    (5, 0.0, 2.0, 0, "a"), (5, 2.0, 1.5, 3, "o"),
    (6, 0.0, 1.0, 7, "e"), (6, 1.0, 1.0, 5, "a"), (6, 2.0, 1.5, 3, "o"),
    (7, 0.0, 0.5, 2, "i"), (7, 0.5, 0.5, 3, "a"), (7, 1.0, 1.5, 5, "e"), (7, 2.5, 1.0, 7, "a"),
    (8, 0.0, 1.0, 8, "o"), (8, 1.0, 1.0, 7, "a"), (8, 2.0, 2.0, 0, "a"),
]

#: Bars of music (2 s each) before the final chord: an intro bar (pads, bass, hats), a first pass of
#: the four chords with the whole band, then a second pass whose first bar is a breakdown.
MUSIC_BARS = 9
#: Bars with pads and lead only (no drums, hats or bass).
BREAKDOWN_BARS = (5,)
#: Bars whose last eighth is an open hat (the turnarounds into the breakdown and into the end).
OPEN_HAT_BARS = (4, 8)
#: Decay time constants (s) of the closed and open hi-hat and of the snare's noise.
HAT_CLOSED_DECAY_S, HAT_OPEN_DECAY_S = 0.004, 0.015
SNARE_NOISE_DECAY_S = 0.05
#: Eighths of the bar (0-7) with a hi-hat.
HAT_EIGHTHS = (1, 3, 5, 7)
#: Mix: RMS level of each bus (dB, relative; the sum is then scaled to :data:`RAW_PEAK_DBFS`).
MIX_LEVELS_DB = {"drums": -3.0, "hats": -24.0, "bass": -6.0, "lead": -8.0, "pads": -15.0}


def _stems(rate: int, seconds: float) -> dict[str, np.ndarray]:
    """Each instrument bus as ``(frames, 2)`` at its mix level (before the fade and the peak scaling):
    everything but the pads is centred (identical channels)."""
    rng = np.random.default_rng(SEED)
    n = int(round(seconds * rate))
    beat = 60.0 / TEMPO_BPM
    bar = 4 * beat
    start = 0.05
    drums = np.zeros(n)
    hats = np.zeros(n)
    bass = np.zeros(n)
    lead = np.zeros(n)
    pad_l = np.zeros(n)
    pad_r = np.zeros(n)

    kick, snare = _kick(rate), _snare(rate, rng)
    hat_closed, hat_open = _hat(rate, rng, HAT_CLOSED_DECAY_S), _hat(rate, rng, HAT_OPEN_DECAY_S)
    for b in range(MUSIC_BARS):
        t0 = start + b * bar
        root, chord = _CHORDS[b % 4]
        band = b not in BREAKDOWN_BARS
        if band and b >= 1:
            for k in (0.0, 2.0, 2.5):
                _place(drums, t0 + k * beat, kick, rate)
            for k in (1.0, 3.0):
                _place(drums, t0 + k * beat, 0.8 * snare, rate)
        if band:
            for e in HAT_EIGHTHS:
                h = hat_open if (e == 7 and b in OPEN_HAT_BARS) else hat_closed
                _place(hats, t0 + e * beat / 2, (0.5 if e % 2 else 0.8) * h, rate)
            # bass: eighth notes on the root, octave jump on the last one
            for e in range(8):
                semis = root + (12 if e == 7 else 0)
                m = int(beat / 2 * rate * 0.9)
                f = np.full(m, _hz(semis))
                note = _saw(f, rate) * _adsr(m, rate, 0.005, 0.04)
                _place(bass, t0 + e * beat / 2, note, rate)
        # pads: three chord tones, each a shared tone plus a detuned sine per side
        m = int(bar * rate)
        env = _adsr(m, rate, 0.25, 0.3)
        for i, semis in enumerate(chord):
            f0 = _hz(semis)
            _place(pad_l, t0, env * _pad_voice(f0, 0.998, m, rate, 0.1 * i, 0.25 + 0.1 * i), rate)
            _place(pad_r, t0, env * _pad_voice(f0, 1.002, m, rate, 0.1 * i, 0.25 + 0.2 * i), rate)
    # final chord: A minor, held then decaying
    t_end = start + MUSIC_BARS * bar
    m = int(1.8 * rate)
    tt = np.arange(m) / rate
    env = np.clip(tt / 0.05, 0, 1) * np.exp(-tt / 0.3)
    for i, semis in enumerate(_CHORDS[0][1]):
        f0 = _hz(semis)
        _place(pad_l, t_end, env * _pad_voice(f0, 0.998, m, rate, 0.1 * i, 0.25 + 0.1 * i), rate)
        _place(pad_r, t_end, env * _pad_voice(f0, 1.002, m, rate, 0.1 * i, 0.25 + 0.2 * i), rate)
    _place(bass, t_end, _saw(np.full(m, _hz(-24)), rate) * env, rate)
    _place(drums, t_end, kick, rate)

    # the lead voice
    for bar_i, off, length, semis, vowel in _MELODY:
        t0 = start + bar_i * bar + off * beat
        m = int(length * beat * rate)
        tt = np.arange(m) / rate
        depth = 0.25 * np.clip((tt - 0.15) / 0.3, 0.0, 1.0)  # delayed vibrato, semitones
        f = _hz(semis) * 2.0 ** (depth * np.sin(2 * np.pi * 5.5 * tt) / 12.0)
        src = _additive(f, rate, LEAD_HARMONICS, 1.0)  # a band-limited sawtooth
        voice = _formant_filter(src, _VOWELS[vowel], rate) * _adsr(m, rate, 0.04, 0.08)
        _place(lead, t0, voice, rate)

    # tone shaping per bus
    bass = signal.sosfilt(signal.butter(2, 500.0, fs=rate, output="sos"), bass)
    pad_sos = signal.butter(2, 2500.0, fs=rate, output="sos")
    pad_l, pad_r = signal.sosfilt(pad_sos, pad_l), signal.sosfilt(pad_sos, pad_r)

    def norm(x):
        return x / (np.sqrt(np.mean(x**2)) + 1e-12)

    g = {k: 10 ** (v / 20) for k, v in MIX_LEVELS_DB.items()}
    pads_rms = np.sqrt(0.5 * (np.mean(pad_l**2) + np.mean(pad_r**2)))
    stems = {name: g[name] * np.repeat(norm(x)[:, None], 2, axis=1)
             for name, x in (("drums", drums), ("hats", hats), ("bass", bass), ("lead", lead))}
    stems["pads"] = g["pads"] * np.stack([pad_l, pad_r], axis=1) / pads_rms
    return stems


def make_raw(rate: int = RATE_HZ, seconds: float = DURATION_S) -> np.ndarray:
    """The raw mix, ``(frames, 2)`` float64, sample peak :data:`RAW_PEAK_DBFS`.

    Structure (2 s bars at 120 BPM): bar 0 pads, bass and hats; bars 1-4 the full band with the lead;
    bar 5 a breakdown (pads and lead); bars 6-8 the full band again; then an A minor chord with a last
    kick decays, the last 0.3 s are faded and the file ends in silence.
    """
    mix = sum(_stems(rate, seconds).values())
    n = mix.shape[0]
    # fade the last 0.3 s of what remains so the file ends in silence
    fade = np.clip((n / rate - 0.3 - np.arange(n) / rate) / 0.3, 0.0, 1.0)
    mix *= fade[:, None]
    return mix * (10 ** (RAW_PEAK_DBFS / 20) / np.max(np.abs(mix)))


# ---------------------------------------------------------------------------------- bus chain


def _shelf_sos(kind: str, f0: float, gain_db: float, rate: int) -> np.ndarray:
    """RBJ Audio-EQ-Cookbook shelf (slope S = 1) as one second-order section."""
    a = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * f0 / rate
    cw, sw = np.cos(w0), np.sin(w0)
    alpha = sw / 2 * np.sqrt(2.0)  # S = 1
    sq = 2 * np.sqrt(a) * alpha
    if kind == "high":
        b = [a * ((a + 1) + (a - 1) * cw + sq), -2 * a * ((a - 1) + (a + 1) * cw), a * ((a + 1) + (a - 1) * cw - sq)]
        den = [(a + 1) - (a - 1) * cw + sq, 2 * ((a - 1) - (a + 1) * cw), (a + 1) - (a - 1) * cw - sq]
    else:
        b = [a * ((a + 1) - (a - 1) * cw + sq), 2 * a * ((a - 1) - (a + 1) * cw), a * ((a + 1) - (a - 1) * cw - sq)]
        den = [(a + 1) + (a - 1) * cw + sq, -2 * ((a - 1) + (a + 1) * cw), (a + 1) + (a - 1) * cw - sq]
    b, den = np.asarray(b) / den[0], np.asarray(den) / den[0]
    return np.concatenate([b, den])[None, :]


def _one_pole(x: np.ndarray, tau_ms: float, rate: int, *, initial: float | None = None) -> np.ndarray:
    c = np.exp(-1.0 / (tau_ms * 1e-3 * rate))
    zi = None if initial is None else np.array([c * initial])
    y = signal.lfilter([1 - c], [1, -c], x, zi=zi)
    return y[0] if zi is not None else y


def compressor_gain_db(x: np.ndarray, rate: int = RATE_HZ) -> np.ndarray:
    """The bus compressor's gain (dB, <= 0) per sample for a ``(frames, 2)`` input (stereo-linked)."""
    ms = _one_pole(np.mean(x**2, axis=1), COMP_RMS_MS, rate)
    level_db = 10 * np.log10(np.maximum(ms, 1e-12))
    over = np.maximum(level_db - COMP_THRESHOLD_DBFS, 0.0)
    gr = -over * (1 - 1 / COMP_RATIO)
    return _one_pole(gr, COMP_SMOOTH_MS, rate, initial=0.0)


def limiter_gain(x: np.ndarray, rate: int = RATE_HZ) -> np.ndarray:
    """The limiter's linear gain per sample: block peaks with one block of look-ahead, linear-in-dB release."""
    bs = LIMITER_BLOCK_SAMPLES
    n = x.shape[0]
    nb = -(-n // bs)
    peak = np.abs(np.pad(x, ((0, nb * bs - n), (0, 0)))).max(axis=1).reshape(nb, bs).max(axis=1)
    need_db = np.maximum(20 * np.log10(np.maximum(peak, 1e-12)) - CEILING_DBFS, 0.0)
    need_db = ndimage.maximum_filter1d(need_db, size=3)  # one block of look-ahead (and hold)
    # release: after a peak the gain reduction falls by at most LIMITER_RELEASE_DB_PER_S, i.e.
    # gr[i] = max_{j <= i} (need[j] - rate_per_block * (i - j)), a running maximum of a shifted sequence
    per_block = LIMITER_RELEASE_DB_PER_S * bs / rate
    ramp = per_block * np.arange(nb)
    gr_db = np.maximum.accumulate(need_db + ramp) - ramp
    centres = (np.arange(nb) + 0.5) * bs
    return 10 ** (-np.interp(np.arange(n), centres, gr_db) / 20)


def pretreat(raw: np.ndarray, rate: int = RATE_HZ) -> np.ndarray:
    """The raw mix through the known bus chain (module constants; README.md), same shape as ``raw``."""
    x = signal.sosfilt(_shelf_sos("high", HIGH_SHELF_HZ, HIGH_SHELF_DB, rate), raw, axis=0)
    x = signal.sosfilt(_shelf_sos("low", LOW_SHELF_HZ, LOW_SHELF_DB, rate), x, axis=0)
    x = x * (10 ** ((compressor_gain_db(x, rate) + COMP_MAKEUP_DB) / 20))[:, None]
    x = x * 10 ** (LIMITER_DRIVE_DB / 20)
    x = x * limiter_gain(x, rate)[:, None]
    ceiling = 10 ** (CEILING_DBFS / 20)
    x = np.clip(x, -ceiling, ceiling)  # the clipper: whatever the block limiter lets through is flat-topped
    out = np.zeros_like(x)
    out[LATENCY_SAMPLES:] = x[: x.shape[0] - LATENCY_SAMPLES]
    return out


# ---------------------------------------------------------------------------------- files


_EXISTS = "{path}: already exists; MasterAid never overwrites — choose another name"
#: libsndfile's FLAC compression setting (0..1; 1.0 = FLAC level 8, the smallest files).
FLAC_COMPRESSION_LEVEL = 1.0


def _write_flac(path: Path, samples: np.ndarray, rate: int) -> Path:
    """Encode ``samples`` as 16-bit FLAC at full compression, atomically, never overwriting."""
    from masteraid.audio import write

    return write(path, samples, rate, format="FLAC", subtype="PCM_16", compression_level=FLAC_COMPRESSION_LEVEL)


def write_examples(folder: str | Path | None = None) -> tuple[Path, Path]:
    """Render both examples and write them as 16-bit FLAC (full compression) into ``folder``
    (default: this package folder).

    Raises :class:`masteraid.errors.OutputExistsError` if either file is already there (checked
    before anything is written).
    """
    from masteraid.errors import OutputExistsError

    folder = Path(folder) if folder is not None else Path(__file__).resolve().parent
    for name in (RAW_NAME, PRETREAT_NAME):
        if (folder / name).exists():
            raise OutputExistsError(_EXISTS.format(path=folder / name))
    raw = make_raw()
    pre = pretreat(raw)
    return _write_flac(folder / RAW_NAME, raw, RATE_HZ), _write_flac(folder / PRETREAT_NAME, pre, RATE_HZ)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Write the bundled example mix and its pre-treated version.")
    parser.add_argument("--out", help="folder to write into (default: the package's examples folder)")
    args = parser.parse_args(argv)
    from masteraid.errors import MasterAidError

    try:
        for p in write_examples(args.out):
            print(f"wrote {p} ({p.stat().st_size / 1000:.0f} kB)")
    except MasterAidError as exc:
        print(f"make_example: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
