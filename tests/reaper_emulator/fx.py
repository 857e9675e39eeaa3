"""FX stand-ins with real DSP, registered by name.

Two families:

* **JS test plug-ins** (``JS: MasterAid Test/Gain``, ``…/EQ``, ``…/Compressor``, ``…/Limiter``,
  ``…/Clipper``): JSFX report their parameters in their own units (``TrackFX_GetParam`` returns
  e.g. ``-24..24`` dB), the mapping normalized <-> value is linear, as for REAPER's JSFX sliders.
  Their DSP is simple and analytic, so render tests can predict the output sample for sample.
* **Stock Cockos plug-in stand-ins** (``VST: ReaEQ (Cockos)``, ``VST: ReaComp (Cockos)``,
  ``VST: ReaLimit (Cockos)``): VST plug-ins report a 0..1 range (API-NOTES §5), and the
  normalized -> display mapping is deliberately **non-linear**, so code must find values through
  ``TrackFX_FormatParamValueNormalized`` / ``TrackFX_GetFormattedParamValue`` as in REAPER.
  The exact mappings of the real plug-ins are UNCONFIRMED (API-NOTES §7.3-4); the ones here are
  documented per parameter below. ReaEQ's frequency mapping passes through the five empirical
  points of API-NOTES §5 (0.116 -> 80 Hz … 0.818 -> 8 kHz) and its gain is ``4*norm`` linear
  amplitude (0.25 -> 0 dB), as the notes suggest.

Every plug-in gets REAPER's two extra trailing parameters, ``Bypass`` and ``Wet`` (identifiers
``:bypass`` / ``:wet`` for ``TrackFX_GetParamFromIdent``). ASSUMPTION (UNCONFIRMED in the notes):
``TrackFX_GetNumParams`` counts them, ``Bypass`` mirrors the FX enable state, ``Wet`` mixes the dry
signal (delayed by the plug-in latency) with the processed one.

All DSP works on the whole ``(frames, channels)`` buffer with numpy/scipy (no per-sample loops).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy import ndimage, signal

__all__ = ["ParamSpec", "Plugin", "FXInstance", "REGISTRY", "find_plugin", "register",
           "lookahead_limit", "rbj_biquad", "reaeq_freq_hz", "reaeq_norm_for_freq"]


def _db(x: float) -> float:
    return 20.0 * math.log10(x) if x > 0 else -math.inf


def _fmt_db(db: float, digits: int = 1) -> str:
    return "-inf" if db == -math.inf else f"{db:.{digits}f}"


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: its name, ident, reported range, and the normalized -> display text."""

    name: str
    ident: str
    minimum: float
    maximum: float
    default_norm: float
    display: Callable[[float], str]  # normalized -> text
    step: float | None = None        # for toggles / stepped JS sliders (in plain units)

    def plain(self, norm: float) -> float:
        return self.minimum + norm * (self.maximum - self.minimum)

    def norm(self, plain: float) -> float:
        span = self.maximum - self.minimum
        return (plain - self.minimum) / span if span else 0.0


@dataclass(eq=False)
class FXInstance:
    """An FX in a chain. ``params`` holds the plug-in's own parameters as normalized values."""

    plugin: str                      # REGISTRY key, e.g. "VST: ReaEQ (Cockos)"
    enabled: bool = True
    offline: bool = False
    renamed_name: str = ""
    wet: float = 1.0
    params: list[float] = field(default_factory=list)
    config: dict[str, str] = field(default_factory=dict)
    guid: str = field(default_factory=lambda: "{" + str(uuid.uuid4()).upper() + "}")
    meters: dict[str, float] = field(default_factory=dict)  # read-only values from the last render

    @property
    def impl(self) -> "Plugin":
        return REGISTRY[self.plugin]

    def to_dict(self) -> dict:
        return {"plugin": self.plugin, "enabled": self.enabled, "offline": self.offline,
                "renamed_name": self.renamed_name, "wet": self.wet, "params": list(self.params),
                "config": dict(self.config), "guid": self.guid, "meters": dict(self.meters)}

    @classmethod
    def from_dict(cls, d: dict) -> "FXInstance":
        inst = cls(**d)
        if inst.plugin not in REGISTRY:
            raise ValueError(f"unknown FX {inst.plugin!r}; registered: {sorted(REGISTRY)}")
        inst.impl.normalize_instance(inst)
        return inst

    @classmethod
    def new(cls, plugin: str, **values: float) -> "FXInstance":
        """A fresh instance with defaults; ``values`` set parameters by name in *display units*
        for JS plug-ins (plain values) and as normalized values for VST plug-ins."""
        impl = REGISTRY[plugin]
        inst = cls(plugin=plugin, config=impl.default_config())
        inst.params = [p.default_norm for p in impl.params(inst)]
        for name, v in values.items():
            specs = impl.params(inst)
            idx = next((i for i, p in enumerate(specs) if p.name == name), None)
            if idx is None:
                raise KeyError(f"{plugin} has no parameter {name!r}: {[p.name for p in specs]}")
            inst.params[idx] = specs[idx].norm(v) if impl.kind == "JS" else float(v)
        return inst

    # ---- parameter access including REAPER's Bypass / Wet -------------------------------------
    def all_specs(self) -> list[ParamSpec]:
        return self.impl.params(self) + [
            ParamSpec("Bypass", ":bypass", 0.0, 1.0, 0.0, lambda n: "Bypassed" if n >= 0.5 else "Not Bypassed", 1.0),
            ParamSpec("Wet", ":wet", 0.0, 1.0, 1.0, lambda n: f"{n * 100:.1f}%"),
        ]

    def get_norm(self, i: int) -> float:
        n = len(self.params)
        if i < n:
            return self.params[i]
        if i == n:
            return 0.0 if self.enabled else 1.0
        return self.wet

    def set_norm(self, i: int, v: float) -> None:
        v = min(1.0, max(0.0, float(v)))
        n = len(self.params)
        if i < n:
            self.params[i] = v
        elif i == n:
            self.enabled = v < 0.5
        else:
            self.wet = v

    def display_name(self) -> str:
        return self.renamed_name or self.plugin


class Plugin:
    """Base class: a plug-in type (parameter layout, named config, latency, DSP)."""

    name = ""          # full name as TrackFX_GetFXName shows it, e.g. "VST: ReaEQ (Cockos)"
    kind = "VST"       # "VST" or "JS" (the type prefix)
    ident = ""         # fx_ident
    short_names: tuple[str, ...] = ()  # other accepted names for TrackFX_AddByName (no prefix)

    def default_config(self) -> dict[str, str]:
        return {}

    def params(self, inst: FXInstance) -> list[ParamSpec]:
        raise NotImplementedError

    def normalize_instance(self, inst: FXInstance) -> None:
        """Make a loaded instance consistent (fill missing params with defaults)."""
        specs = self.params(inst)
        if len(inst.params) < len(specs):
            inst.params = list(inst.params) + [p.default_norm for p in specs[len(inst.params):]]
        elif len(inst.params) > len(specs):
            inst.params = list(inst.params[: len(specs)])

    def get_config(self, inst: FXInstance, key: str, rate: int) -> str | None:
        return inst.config.get(key)

    def set_config(self, inst: FXInstance, key: str, value: str) -> bool:
        return False

    def latency(self, inst: FXInstance, rate: int) -> int:
        return 0

    def process(self, inst: FXInstance, x: np.ndarray, rate: int) -> np.ndarray:
        raise NotImplementedError

    def value(self, inst: FXInstance, name: str) -> float:
        specs = self.params(inst)
        for i, p in enumerate(specs):
            if p.name == name:
                return inst.params[i]
        raise KeyError(name)


REGISTRY: dict[str, Plugin] = {}


def register(plugin: Plugin) -> Plugin:
    REGISTRY[plugin.name] = plugin
    return plugin


_PREFIXES = {"VST": {"VST"}, "VST2": {"VST"}, "VSTI": set(), "VST3": set(), "VST3I": set(),
             "AU": set(), "AUI": set(), "DX": set(), "DXI": set(), "JS": {"JS"}, "CLAP": set(),
             "LV2": set(), "FXADD": {"VST", "JS"}}


def find_plugin(query: str) -> Plugin | None:
    """The plug-in ``TrackFX_AddByName`` would load for ``query``.

    ASSUMPTION (the matching rule is UNCONFIRMED, API-NOTES §5): an optional type prefix
    (``VST:``, ``VST2:``, ``JS:`` …; ``VST3:`` finds nothing since the stock plug-ins are VST2
    here) followed by, case-insensitively, the exact full name (``ReaEQ (Cockos)``), the name
    without the vendor (``ReaEQ``), or for JS the path (``MasterAid Test/Gain``). No substring
    matching: a misspelt name fails as it would if REAPER matched exactly.
    """
    q = query.strip()
    kinds = {"VST", "JS"}
    if ":" in q:
        head, rest = q.split(":", 1)
        if head.strip().upper() in _PREFIXES:
            kinds = _PREFIXES[head.strip().upper()]
            q = rest.strip()
    ql = q.lower()
    for p in REGISTRY.values():
        if p.kind not in kinds:
            continue
        base = p.name.split(": ", 1)[1]
        names = {base.lower(), *(s.lower() for s in p.short_names)}
        if ql in names:
            return p
    return None


def matches(inst: FXInstance, query: str) -> bool:
    """Whether an existing FX answers ``query`` (same rule as :func:`find_plugin`, on the
    original plug-in name; a user's renamed name does not match — UNCONFIRMED)."""
    p = find_plugin(query)
    return p is not None and p.name == inst.plugin


# ---- DSP helpers ------------------------------------------------------------------------------

def rbj_biquad(kind: str, freq_hz: float, rate: int, *, gain_db: float = 0.0, q: float | None = None,
               bw_oct: float | None = None, slope: float | None = None) -> np.ndarray:
    """RBJ Audio-EQ-Cookbook biquad as one SOS row ``[b0 b1 b2 1 a1 a2]``.

    ``kind``: ``lowshelf``, ``highshelf``, ``peak``, ``lowpass``, ``highpass``, ``bandpass``,
    ``notch``, ``allpass``. Give ``q``, ``bw_oct`` (bandwidth in octaves, cookbook's BW form) or,
    for shelves, ``slope`` (the cookbook's shelf slope S).
    """
    f = min(max(freq_hz, 1.0), 0.49 * rate)
    w0 = 2 * math.pi * f / rate
    sw, cw = math.sin(w0), math.cos(w0)
    A = 10 ** (gain_db / 40)
    if slope is not None:
        alpha = sw / 2 * math.sqrt((A + 1 / A) * (1 / slope - 1) + 2)
    elif bw_oct is not None:
        alpha = sw * math.sinh(math.log(2) / 2 * bw_oct * w0 / sw)
    else:
        alpha = sw / (2 * (q if q else 0.7071067811865476))
    if kind == "peak":
        b = [1 + alpha * A, -2 * cw, 1 - alpha * A]
        a = [1 + alpha / A, -2 * cw, 1 - alpha / A]
    elif kind in ("lowshelf", "highshelf"):
        sq = 2 * math.sqrt(A) * alpha
        if kind == "lowshelf":
            b = [A * ((A + 1) - (A - 1) * cw + sq), 2 * A * ((A - 1) - (A + 1) * cw), A * ((A + 1) - (A - 1) * cw - sq)]
            a = [(A + 1) + (A - 1) * cw + sq, -2 * ((A - 1) + (A + 1) * cw), (A + 1) + (A - 1) * cw - sq]
        else:
            b = [A * ((A + 1) + (A - 1) * cw + sq), -2 * A * ((A - 1) + (A + 1) * cw), A * ((A + 1) + (A - 1) * cw - sq)]
            a = [(A + 1) - (A - 1) * cw + sq, 2 * ((A - 1) - (A + 1) * cw), (A + 1) - (A - 1) * cw - sq]
    elif kind == "lowpass":
        b = [(1 - cw) / 2, 1 - cw, (1 - cw) / 2]
        a = [1 + alpha, -2 * cw, 1 - alpha]
    elif kind == "highpass":
        b = [(1 + cw) / 2, -(1 + cw), (1 + cw) / 2]
        a = [1 + alpha, -2 * cw, 1 - alpha]
    elif kind == "bandpass":
        b = [alpha, 0.0, -alpha]
        a = [1 + alpha, -2 * cw, 1 - alpha]
    elif kind == "notch":
        b = [1.0, -2 * cw, 1.0]
        a = [1 + alpha, -2 * cw, 1 - alpha]
    elif kind == "allpass":
        b = [1 - alpha, -2 * cw, 1 + alpha]
        a = [1 + alpha, -2 * cw, 1 - alpha]
    else:
        raise ValueError(f"unknown biquad kind {kind!r}")
    b = np.asarray(b) / a[0]
    a = np.asarray(a) / a[0]
    return np.concatenate([b, a])[None, :]


def delay(x: np.ndarray, n: int) -> np.ndarray:
    """Delay by ``n`` samples, keeping the length (zeros shifted in)."""
    if n <= 0:
        return x
    y = np.zeros_like(x)
    if n < len(x):
        y[n:] = x[: len(x) - n]
    return y


def lookahead_limit(x: np.ndarray, ceiling_gain: float, lookahead: int) -> np.ndarray:
    """Brickwall lookahead limiter, stereo-linked, latency = ``lookahead`` samples.

    ``g_raw[n] = min(1, c / max_ch |x[n]|)``; ``h[n] = min(g_raw[n-L..n])``; ``s[n] = mean(h[n-L..n])``;
    ``y[n] = x[n-L] * s[n]``. Every ``h[j]`` in the average covers sample ``n-L``, so
    ``s[n] <= g_raw[n-L]`` and ``|y| <= c`` exactly, with no overshoot. With ``L = 0`` it is a
    clipper-like instantaneous gain (still exact).
    """
    L = int(lookahead)
    peak = np.max(np.abs(x), axis=1) if x.size else np.zeros(0)
    with np.errstate(divide="ignore"):
        g_raw = np.where(peak > ceiling_gain, ceiling_gain / np.maximum(peak, 1e-300), 1.0)
    if L == 0:
        return x * g_raw[:, None]
    padded = np.concatenate([np.ones(L), g_raw])
    # causal running minimum over L+1 samples: window [n-L, n] of the padded signal
    h = _causal_min(padded, L)
    h_full = np.concatenate([np.ones(L), h])  # h for indices -L..-1 is 1
    c = np.concatenate([[0.0], np.cumsum(h_full)])
    n = len(g_raw)
    idx = np.arange(n) + L  # position of h[n] in h_full
    s = (c[idx + 1] - c[idx - L]) / (L + 1)
    return delay(x, L) * s[:, None]


def _causal_min(padded: np.ndarray, L: int) -> np.ndarray:
    """``out[n] = min(padded[n .. n+L])`` for n in 0..len-L-1, i.e. min of g_raw[n-L..n]."""
    m = ndimage.minimum_filter1d(padded, size=L + 1, mode="nearest")
    # centred window: m[k] = min(padded[k - (L+1)//2 .. k - (L+1)//2 + L]); shift to [n, n+L]
    k0 = (L + 1) // 2
    return m[k0: k0 + len(padded) - L]


def _one_pole(x: np.ndarray, tau_s: float, rate: int, zi: float) -> np.ndarray:
    """First-order smoother ``y[n] = a*y[n-1] + (1-a)*x[n]`` with time constant ``tau_s``."""
    if tau_s <= 0:
        return x
    a = math.exp(-1.0 / (tau_s * rate))
    y, _ = signal.lfilter([1 - a], [1, -a], x, zi=[a * zi])
    return y


def compress(x: np.ndarray, rate: int, *, threshold_db: float, ratio: float, attack_ms: float,
             release_ms: float, knee_db: float = 0.0, makeup_db: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Feed-forward stereo-linked compressor; returns (output, gain-reduction dB >= 0 per sample).

    The emulator's approximation (not ReaComp's algorithm): an RMS detector (one-pole on the
    channel-max power, time constant = attack), a static soft-knee curve, then one-pole smoothing
    of the gain reduction with the release time. Both smoothers are linear filters, so it is fully
    vectorized and deterministic.
    """
    p = np.max(x * x, axis=1) if x.size else np.zeros(0)
    env = _one_pole(p, attack_ms / 1000.0, rate, 0.0)
    lvl = 10 * np.log10(np.maximum(env, 1e-30))
    over = lvl - threshold_db
    slope = 1.0 - 1.0 / max(ratio, 1.0)
    if knee_db > 0:
        gr = np.where(over <= -knee_db / 2, 0.0,
                      np.where(over >= knee_db / 2, slope * over, slope * (over + knee_db / 2) ** 2 / (2 * knee_db)))
    else:
        gr = np.where(over > 0, slope * over, 0.0)
    gr = _one_pole(gr, release_ms / 1000.0, rate, 0.0)
    g = 10 ** ((makeup_db - gr) / 20)
    return x * g[:, None], gr


# ---- JS test plug-ins (linear slider mapping, plain units) -------------------------------------

def _js_param(name: str, ident: str, lo: float, hi: float, default: float, unit: str = "", digits: int = 1,
              step: float | None = None) -> ParamSpec:
    def show(n: float, lo=lo, hi=hi) -> str:
        v = lo + n * (hi - lo)
        return f"{v:.{digits}f}{(' ' + unit) if unit else ''}"
    return ParamSpec(name, ident, lo, hi, (default - lo) / (hi - lo), show, step)


class JSGain(Plugin):
    name = "JS: MasterAid Test/Gain"
    kind = "JS"
    ident = "MasterAid Test/Gain"

    def params(self, inst):
        return [_js_param("Gain (dB)", "gain_db", -24.0, 24.0, 0.0, "dB")]

    def process(self, inst, x, rate):
        g_db = self.params(inst)[0].plain(inst.params[0])
        return x * 10 ** (g_db / 20)


_EQ_TYPES = {0: "lowshelf", 1: "peak", 2: "highshelf"}


class JSEQ(Plugin):
    """One RBJ band: Type 0 low shelf / 1 peak / 2 high shelf; Q (shelves use the same Q)."""

    name = "JS: MasterAid Test/EQ"
    kind = "JS"
    ident = "MasterAid Test/EQ"

    def params(self, inst):
        return [
            ParamSpec("Type", "type", 0.0, 2.0, 0.5,
                      lambda n: ["Low shelf", "Peak", "High shelf"][int(round(n * 2))], 1.0),
            _js_param("Freq (Hz)", "freq_hz", 20.0, 20000.0, 1000.0, "Hz"),
            _js_param("Gain (dB)", "gain_db", -24.0, 24.0, 0.0, "dB"),
            _js_param("Q", "q", 0.1, 10.0, 0.7071067811865476, "", 3),
        ]

    def sos(self, inst, rate):
        s = self.params(inst)
        kind = _EQ_TYPES[int(round(s[0].plain(inst.params[0])))]
        return rbj_biquad(kind, s[1].plain(inst.params[1]), rate, gain_db=s[2].plain(inst.params[2]),
                          q=s[3].plain(inst.params[3]))

    def process(self, inst, x, rate):
        return signal.sosfilt(self.sos(inst, rate), x, axis=0)


class JSCompressor(Plugin):
    name = "JS: MasterAid Test/Compressor"
    kind = "JS"
    ident = "MasterAid Test/Compressor"

    def params(self, inst):
        return [
            _js_param("Threshold (dB)", "threshold_db", -60.0, 0.0, 0.0, "dB"),
            _js_param("Ratio", "ratio", 1.0, 20.0, 1.0, ":1"),
            _js_param("Attack (ms)", "attack_ms", 0.0, 200.0, 10.0, "ms"),
            _js_param("Release (ms)", "release_ms", 0.0, 2000.0, 100.0, "ms"),
            _js_param("Knee (dB)", "knee_db", 0.0, 24.0, 0.0, "dB"),
            _js_param("Makeup (dB)", "makeup_db", 0.0, 24.0, 0.0, "dB"),
        ]

    def process(self, inst, x, rate):
        v = [p.plain(n) for p, n in zip(self.params(inst), inst.params)]
        y, gr = compress(x, rate, threshold_db=v[0], ratio=v[1], attack_ms=v[2], release_ms=v[3],
                         knee_db=v[4], makeup_db=v[5])
        inst.meters["GainReduction_dB"] = float(gr[-1]) if len(gr) else 0.0
        return y


class JSLimiter(Plugin):
    """Lookahead brickwall limiter: output = limit(x * input gain, ceiling), latency = lookahead."""

    name = "JS: MasterAid Test/Limiter"
    kind = "JS"
    ident = "MasterAid Test/Limiter"

    def params(self, inst):
        return [
            _js_param("Input gain (dB)", "input_db", 0.0, 24.0, 0.0, "dB"),
            _js_param("Ceiling (dB)", "ceiling_db", -24.0, 0.0, -1.0, "dB"),
            _js_param("Lookahead (ms)", "lookahead_ms", 0.0, 10.0, 5.0, "ms", 2),
        ]

    def latency(self, inst, rate):
        return int(round(self.params(inst)[2].plain(inst.params[2]) * rate / 1000.0))

    def process(self, inst, x, rate):
        s = self.params(inst)
        gin = 10 ** (s[0].plain(inst.params[0]) / 20)
        ceil = 10 ** (s[1].plain(inst.params[1]) / 20)
        return lookahead_limit(x * gin, ceil, self.latency(inst, rate))


class JSClipper(Plugin):
    name = "JS: MasterAid Test/Clipper"
    kind = "JS"
    ident = "MasterAid Test/Clipper"

    def params(self, inst):
        return [_js_param("Ceiling (dB)", "ceiling_db", -24.0, 0.0, 0.0, "dB")]

    def process(self, inst, x, rate):
        c = 10 ** (self.params(inst)[0].plain(inst.params[0]) / 20)
        return np.clip(x, -c, c)


# ---- ReaEQ stand-in ---------------------------------------------------------------------------

# (normalized, Hz) knots: the five empirical points of API-NOTES §5 plus the ends; log-interpolated.
_FREQ_KNOTS = np.array([[0.0, 20.0], [0.116, 80.0], [0.232, 200.0], [0.441, 800.0], [0.655, 3000.0],
                        [0.818, 8000.0], [1.0, 24000.0]])


def reaeq_freq_hz(norm: float) -> float:
    """ReaEQ stand-in frequency mapping (UNCONFIRMED formula; matches the public data points)."""
    return float(np.exp(np.interp(norm, _FREQ_KNOTS[:, 0], np.log(_FREQ_KNOTS[:, 1]))))


def reaeq_norm_for_freq(freq_hz: float) -> float:
    return float(np.interp(np.log(freq_hz), np.log(_FREQ_KNOTS[:, 1]), _FREQ_KNOTS[:, 0]))


def reaeq_gain_db(norm: float) -> float:
    """Gain: linear amplitude ``4*norm`` (0.25 -> 0 dB, 1 -> +12.04 dB, 0 -> -inf)."""
    return _db(4.0 * norm)


def reaeq_bw_oct(norm: float) -> float:
    """Bandwidth in octaves: ``0.05 + 3.95*norm**2`` (emulator's choice; non-linear)."""
    return 0.05 + 3.95 * norm * norm


# BANDTYPEx codes (API-NOTES §5; 2, 9, 10 are UNCONFIRMED and refused here)
REAEQ_TYPES = {0: ("Low Shelf", "lowshelf"), 1: ("High Shelf", "highshelf"), 3: ("Low Pass", "lowpass"),
               4: ("High Pass", "highpass"), 5: ("All Pass", "allpass"), 6: ("Notch", "notch"),
               7: ("Band Pass", "bandpass"), 8: ("Band", "peak")}
# official TrackFX_GetEQParam bandtype enum -> BANDTYPE code
EQ_BANDTYPE_TO_CODE = {0: 4, 1: 0, 2: 8, 3: 6, 4: 1, 5: 3, 6: 7}
CODE_TO_EQ_BANDTYPE = {v: k for k, v in EQ_BANDTYPE_TO_CODE.items()}


class ReaEQ(Plugin):
    """ReaEQ stand-in: 5 bands by default (low shelf, band, band, high shelf, and a high pass that is
    switched off), then ``Global Gain`` — as public dumps of REAPER 7.82 show it.

    Parameter layout (API-NOTES §5): index 3b ``Freq-<band>``, 3b+1 ``Gain-<band>``, 3b+2
    ``BW-<band>``, where ``<band>`` is ``"<type name>"`` for the first band and ``"<type name> <b+1>"``
    for the others (``Freq-Low Shelf``, ``Gain-Band 2``; they change with the band type, as in REAPER).
    Display texts: frequency ``"%.1f"`` Hz, gain ``"%.1f"`` dB or ``"-inf"``, BW ``"%.2f"`` oct.
    Named config: ``BANDTYPEx`` (codes above) and ``BANDENABLEDx`` ("0"/"1"), refused past the last band.
    Shelves are RBJ shelves of slope ``S = 1 / max(BW, 0.915)**2`` (one public source measured this on
    renders; UNCONFIRMED), bands and the rest use the cookbook's bandwidth form.
    """

    name = "VST: ReaEQ (Cockos)"
    kind = "VST"
    ident = "reaeq.vst.so"
    short_names = ("ReaEQ",)
    DEFAULT_BANDS = [(0, 100.0), (8, 300.0), (8, 1000.0), (1, 5000.0), (4, 100.0)]

    def default_config(self):
        cfg = {}
        for b, (code, _) in enumerate(self.DEFAULT_BANDS):
            cfg[f"BANDTYPE{b}"] = str(code)
            cfg[f"BANDENABLED{b}"] = "0" if code == 4 else "1"
        return cfg

    def n_bands(self, inst) -> int:
        return sum(1 for k in inst.config if k.startswith("BANDTYPE"))

    def params(self, inst):
        specs = []
        for b in range(self.n_bands(inst)):
            code = int(inst.config[f"BANDTYPE{b}"])
            label = REAEQ_TYPES[code][0] + (f" {b + 1}" if b else "")
            default_f = self.DEFAULT_BANDS[b][1] if b < len(self.DEFAULT_BANDS) else 1000.0
            specs += [
                ParamSpec(f"Freq-{label}", f"{b * 3}", 0.0, 1.0, reaeq_norm_for_freq(default_f),
                          lambda n: f"{reaeq_freq_hz(n):.1f}"),
                ParamSpec(f"Gain-{label}", f"{b * 3 + 1}", 0.0, 1.0, 0.25, lambda n: _fmt_db(reaeq_gain_db(n))),
                ParamSpec(f"BW-{label}", f"{b * 3 + 2}", 0.0, 1.0, math.sqrt((1.0 - 0.05) / 3.95),
                          lambda n: f"{reaeq_bw_oct(n):.2f}"),
            ]
        specs.append(ParamSpec("Global Gain", "output_gain", 0.0, 1.0, 0.25, lambda n: _fmt_db(reaeq_gain_db(n))))
        return specs

    def set_config(self, inst, key, value):
        nb = self.n_bands(inst)
        for prefix in ("BANDTYPE", "BANDENABLED"):
            if key.startswith(prefix) and key[len(prefix):].isdigit():
                b = int(key[len(prefix):])
                if b >= nb:
                    return False
                try:
                    v = int(float(value))
                except ValueError:
                    return False
                if prefix == "BANDTYPE":
                    if v not in REAEQ_TYPES:
                        return False
                    inst.config[key] = str(v)
                else:
                    inst.config[key] = "1" if v else "0"
                return True
        return False

    def sos(self, inst, rate) -> np.ndarray:
        rows = []
        for b in range(self.n_bands(inst)):
            if inst.config.get(f"BANDENABLED{b}", "1") == "0":
                continue
            code = int(inst.config[f"BANDTYPE{b}"])
            f = reaeq_freq_hz(inst.params[3 * b])
            g = reaeq_gain_db(inst.params[3 * b + 1])
            bw = reaeq_bw_oct(inst.params[3 * b + 2])
            kind = REAEQ_TYPES[code][1]
            if kind in ("peak", "lowshelf", "highshelf") and g == -math.inf:
                g = -150.0
            if kind in ("lowshelf", "highshelf"):
                rows.append(rbj_biquad(kind, f, rate, gain_db=g, slope=1.0 / max(bw, 0.915) ** 2))
            else:
                rows.append(rbj_biquad(kind, f, rate, gain_db=g, bw_oct=bw))
        return np.concatenate(rows) if rows else np.zeros((0, 6))

    def process(self, inst, x, rate):
        sos = self.sos(inst, rate)
        y = signal.sosfilt(sos, x, axis=0) if len(sos) else x
        return y * (4.0 * inst.params[-1])


# ---- ReaComp stand-in -------------------------------------------------------------------------

class ReaComp(Plugin):
    """ReaComp stand-in. Mappings (emulator's choice; the real ones are UNCONFIRMED):

    ``Thresh``: amplitude = norm (dB = 20log10(norm)); ``Ratio``: 1/(1 - 0.99 norm) (:1, 100:1 at 1);
    ``Attack``: 500 norm^3 ms; ``Release``: 5000 norm^3 ms; ``Pre-comp``: 250 norm ms (stored, not
    emulated); ``Knee``: 24 norm dB; ``Wet``/``Dry``: amplitude 2 norm (0.5 = 0 dB, +6 dB at most: public
    dumps show a raw range of 0..2 in linear amplitude, and Wet is ReaComp's make-up gain).
    ``GainReduction_dB`` named config: the gain reduction (positive dB) at the end of the last render.
    """

    name = "VST: ReaComp (Cockos)"
    kind = "VST"
    ident = "reacomp.vst.so"
    short_names = ("ReaComp",)

    def params(self, inst):
        return [
            ParamSpec("Thresh", "0", 0.0, 1.0, 1.0, lambda n: _fmt_db(_db(n))),
            ParamSpec("Ratio", "1", 0.0, 1.0, (1 - 1 / 4) / 0.99, lambda n: f"{1 / (1 - 0.99 * n):.1f}:1"),
            ParamSpec("Attack", "2", 0.0, 1.0, (3.0 / 500) ** (1 / 3), lambda n: f"{500 * n ** 3:.1f}"),
            ParamSpec("Release", "3", 0.0, 1.0, (100.0 / 5000) ** (1 / 3), lambda n: f"{5000 * n ** 3:.1f}"),
            ParamSpec("Pre-comp", "4", 0.0, 1.0, 0.0, lambda n: f"{250 * n:.1f}"),
            ParamSpec("Knee", "5", 0.0, 1.0, 0.0, lambda n: f"{24 * n:.1f}"),
            ParamSpec("Wet", "6", 0.0, 1.0, 0.5, lambda n: _fmt_db(_db(2 * n))),
            ParamSpec("Dry", "7", 0.0, 1.0, 0.0, lambda n: _fmt_db(_db(2 * n))),
        ]

    def get_config(self, inst, key, rate):
        if key == "GainReduction_dB":
            return f"{inst.meters.get('GainReduction_dB', 0.0):.6f}"
        return None

    def process(self, inst, x, rate):
        n = inst.params
        thr = _db(n[0]) if n[0] > 0 else -300.0
        y, gr = compress(x, rate, threshold_db=thr, ratio=1 / (1 - 0.99 * n[1]), attack_ms=500 * n[2] ** 3,
                         release_ms=5000 * n[3] ** 3, knee_db=24 * n[5])
        inst.meters["GainReduction_dB"] = float(gr[-1]) if len(gr) else 0.0
        return y * (2 * n[6]) + x * (2 * n[7])


# ---- ReaLimit stand-in ------------------------------------------------------------------------

REALIMIT_LOOKAHEAD_S = 0.0015  # ASSUMPTION: ReaLimit's latency (UNCONFIRMED); reported as "pdc"


class ReaLimit(Plugin):
    """ReaLimit stand-in: y = limit(x * 10^((ceiling - threshold)/20), ceiling), 1.5 ms lookahead.

    Mappings: ``Threshold`` dB = -60 + 72 norm (-60 .. +12 dB, default 0 dB; two public sources agree),
    ``Ceiling`` dB = -24 + 24 norm (one source); ``Release`` ms = 1000 norm^2 (emulator's choice; the
    sources disagree; stored, not emulated); ``True peak`` toggle (stored; the limiter is sample-peak;
    REAPER 7.79's ReaLimit shows no such parameter: API-NOTES). Named config ``THRESHOLD`` / ``CEILING`` read/write dB as text (``"-6.0"``),
    ``TRUEPEAK`` ``"0"``/``"1"`` — the value format is UNCONFIRMED (API-NOTES §5).
    """

    name = "VST: ReaLimit (Cockos)"
    kind = "VST"
    ident = "realimit.vst.so"
    short_names = ("ReaLimit",)

    def params(self, inst):
        return [
            ParamSpec("Threshold", "0", 0.0, 1.0, 60 / 72, lambda n: f"{-60 + 72 * n:.1f}"),
            ParamSpec("Ceiling", "1", 0.0, 1.0, 1.0 - 0.1 / 24, lambda n: f"{-24 + 24 * n:.1f}"),
            ParamSpec("Release", "2", 0.0, 1.0, math.sqrt(0.01), lambda n: f"{1000 * n * n:.1f}"),
            ParamSpec("True peak", "3", 0.0, 1.0, 0.0, lambda n: "On" if n >= 0.5 else "Off", 1.0),
        ]

    @staticmethod
    def threshold_db(inst):
        return -60 + 72 * inst.params[0]

    @staticmethod
    def ceiling_db(inst):
        return -24 + 24 * inst.params[1]

    def get_config(self, inst, key, rate):
        if key == "THRESHOLD":
            return f"{self.threshold_db(inst):.1f}"
        if key == "CEILING":
            return f"{self.ceiling_db(inst):.1f}"
        if key == "TRUEPEAK":
            return "1" if inst.params[3] >= 0.5 else "0"
        return None

    def set_config(self, inst, key, value):
        try:
            v = float(value)
        except ValueError:
            return False
        if key == "THRESHOLD" and -60 <= v <= 12:
            inst.params[0] = (v + 60) / 72
        elif key == "CEILING" and -24 <= v <= 0:
            inst.params[1] = (v + 24) / 24
        elif key == "TRUEPEAK":
            inst.params[3] = 1.0 if v else 0.0
        else:
            return False
        return True

    def latency(self, inst, rate):
        return int(round(REALIMIT_LOOKAHEAD_S * rate))

    def process(self, inst, x, rate):
        ceil_db = self.ceiling_db(inst)
        g = 10 ** ((ceil_db - self.threshold_db(inst)) / 20)
        return lookahead_limit(x * g, 10 ** (ceil_db / 20), self.latency(inst, rate))


for _p in (JSGain(), JSEQ(), JSCompressor(), JSLimiter(), JSClipper(), ReaEQ(), ReaComp(), ReaLimit()):
    register(_p)
