"""The mastering chain as a value: :class:`ChainSpec` and its stages.

A spec is pure data in units a plug-in understands (Hz, dB, Q, ms, ratio), so the same value can
be rendered offline by :func:`masteraid.chain.render_chain`, printed in a report, or translated
into REAPER FX (ReaEQ / ReaComp / ReaLimit). It round-trips through JSON exactly:
``ChainSpec.from_json(spec.to_json()) == spec``.

Signal flow (in this order)::

    input_gain_db -> EQ bands (RBJ biquads, in series) -> compressor (+ makeup_db)
                  -> limiter (drive_db, then true-peak ceiling_dbtp) -> master
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from typing import Any

from ..errors import ConfigError

__all__ = ["CHAIN_SCHEMA_VERSION", "EQ_KINDS", "DRIVE_RANGE_DB", "EqBand", "CompressorSpec", "LimiterSpec", "ChainSpec"]

#: Bump when a published key of the chain JSON changes meaning or disappears.
CHAIN_SCHEMA_VERSION = 1

#: EQ band types (RBJ audio EQ cookbook names).
EQ_KINDS = ("peaking", "low_shelf", "high_shelf")

#: At most this many EQ bands in a chain.
MAX_EQ_BANDS = 6


def _check(name: str, value: float, lo: float, hi: float, *, lo_open: bool = False) -> None:
    """Raise :class:`ConfigError` unless ``lo <= value <= hi`` (``lo < value`` when ``lo_open``)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, got {value!r}")
    below = value <= lo if lo_open else value < lo
    if below or value > hi:
        bracket = "(" if lo_open else "["
        raise ConfigError(f"{name} = {value} is out of range; allowed {bracket}{lo}, {hi}]")


@dataclass(frozen=True)
class EqBand:
    """One EQ band, a biquad per the RBJ audio EQ cookbook.

    Attributes
    ----------
    kind : str
        ``"peaking"``, ``"low_shelf"`` or ``"high_shelf"``.
    frequency_hz : float
        Centre (peaking) or corner (shelves, the cookbook's mid-slope frequency), 10 Hz .. 40 kHz.
        Bands at or above Nyquist of the file being rendered are left out there.
    gain_db : float
        Boost (positive) or cut, -24 .. +24 dB.
    q : float
        Cookbook Q (for shelves, the cookbook's Q form of the slope; 0.7071 is the steepest slope
        without overshoot), 0.1 .. 20.
    """

    kind: str
    frequency_hz: float
    gain_db: float
    q: float

    def __post_init__(self) -> None:
        if self.kind not in EQ_KINDS:
            raise ConfigError(f"EqBand.kind = {self.kind!r} is not one of {EQ_KINDS}")
        _check("EqBand.frequency_hz", self.frequency_hz, 10.0, 40000.0)
        _check("EqBand.gain_db", self.gain_db, -24.0, 24.0)
        _check("EqBand.q", self.q, 0.1, 20.0)


@dataclass(frozen=True)
class CompressorSpec:
    """A feed-forward, stereo-linked, peak-sensing glue compressor (soft knee).

    Attributes
    ----------
    threshold_db : float
        dBFS, -60 .. 0.
    ratio : float
        1 .. 20 (1 is no compression).
    attack_ms : float
        Time constant of the gain-reduction onset, 0.1 .. 500 ms.
    release_ms : float
        Time constant of the gain-reduction recovery (exponential in dB), 5 .. 5000 ms.
    knee_db : float
        Width of the quadratic soft knee centred on the threshold, 0 .. 24 dB.
    makeup_db : float
        Gain after the compressor, -12 .. +24 dB.
    """

    threshold_db: float
    ratio: float
    attack_ms: float
    release_ms: float
    knee_db: float
    makeup_db: float

    def __post_init__(self) -> None:
        _check("CompressorSpec.threshold_db", self.threshold_db, -60.0, 0.0)
        _check("CompressorSpec.ratio", self.ratio, 1.0, 20.0)
        _check("CompressorSpec.attack_ms", self.attack_ms, 0.1, 500.0)
        _check("CompressorSpec.release_ms", self.release_ms, 5.0, 5000.0)
        _check("CompressorSpec.knee_db", self.knee_db, 0.0, 24.0)
        _check("CompressorSpec.makeup_db", self.makeup_db, -12.0, 24.0)


#: Gain into the limiter, dB: down to -96 dB takes a float mix that peaks at +40 dBFS (the loudest that
#: is still music, ``audit.BLOWN_UP_PEAK_DBFS``) down to the lowest target, -40 LUFS.
DRIVE_RANGE_DB = (-96.0, 36.0)


@dataclass(frozen=True)
class LimiterSpec:
    """A true-peak lookahead brick-wall limiter with zero net latency.

    Attributes
    ----------
    ceiling_dbtp : float
        The output's true peak (ITU-R BS.1770-4 Annex 2) never exceeds this, -20 .. 0 dBTP.
    lookahead_ms : float
        Gain ramps down over this time before a peak (and the audio is delayed by the same amount,
        then advanced again at the end: no latency in the output), 0.5 .. 20 ms.
    release_ms : float
        Time constant of the recovery (exponential in dB), 5 .. 2000 ms.
    drive_db : float
        Gain into the limiter, -96 .. +36 dB (:data:`DRIVE_RANGE_DB`; in REAPER, ReaLimit's threshold
        is ``-drive_db`` when positive, a cut goes before it). The render refines it so the master lands
        on the target loudness.
    """

    ceiling_dbtp: float
    lookahead_ms: float = 5.0
    release_ms: float = 80.0
    drive_db: float = 0.0

    def __post_init__(self) -> None:
        _check("LimiterSpec.ceiling_dbtp", self.ceiling_dbtp, -20.0, 0.0)
        _check("LimiterSpec.lookahead_ms", self.lookahead_ms, 0.5, 20.0)
        _check("LimiterSpec.release_ms", self.release_ms, 5.0, 2000.0)
        _check("LimiterSpec.drive_db", self.drive_db, *DRIVE_RANGE_DB)


@dataclass(frozen=True)
class ChainSpec:
    """A mastering chain: input gain, EQ, glue compressor, true-peak limiter, and its target.

    Attributes
    ----------
    target_lufs : float
        Integrated loudness (BS.1770-4) the master should land on, -40 .. -3 LUFS.
    limiter : LimiterSpec
    input_gain_db : float
        Gain before everything, -24 .. +24 dB.
    eq_bands : tuple of EqBand
        At most 6, applied in series in the order given.
    compressor : CompressorSpec or None
        ``None``: no compressor.
    notes : tuple of str
        Why the design chose what it chose, one sentence each (for the report; not used to render).
    schema_version : int
    """

    target_lufs: float
    limiter: LimiterSpec
    input_gain_db: float = 0.0
    eq_bands: tuple[EqBand, ...] = ()
    compressor: CompressorSpec | None = None
    notes: tuple[str, ...] = ()
    schema_version: int = field(default=CHAIN_SCHEMA_VERSION)

    def __post_init__(self) -> None:
        _check("ChainSpec.target_lufs", self.target_lufs, -40.0, -3.0)
        _check("ChainSpec.input_gain_db", self.input_gain_db, -24.0, 24.0)
        object.__setattr__(self, "eq_bands", tuple(self.eq_bands))
        object.__setattr__(self, "notes", tuple(str(n) for n in self.notes))
        if len(self.eq_bands) > MAX_EQ_BANDS:
            raise ConfigError(f"ChainSpec.eq_bands has {len(self.eq_bands)} bands; allowed at most {MAX_EQ_BANDS}")
        for b in self.eq_bands:
            if not isinstance(b, EqBand):
                raise ConfigError(f"ChainSpec.eq_bands must hold EqBand values, got {type(b).__name__}")
        if not isinstance(self.limiter, LimiterSpec):
            raise ConfigError(f"ChainSpec.limiter must be a LimiterSpec, got {type(self.limiter).__name__}")
        if self.compressor is not None and not isinstance(self.compressor, CompressorSpec):
            raise ConfigError(f"ChainSpec.compressor must be a CompressorSpec or None, got {type(self.compressor).__name__}")
        if self.schema_version != CHAIN_SCHEMA_VERSION:
            raise ConfigError(
                f"ChainSpec.schema_version = {self.schema_version}; this MasterAid reads version {CHAIN_SCHEMA_VERSION} "
                "— design the chain again with this version"
            )

    # ------------------------------------------------------------------ JSON

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready dict (every value finite; ``schema_version`` first)."""

        def plain(obj):
            return {f.name: getattr(obj, f.name) for f in fields(obj)}

        return {
            "schema_version": self.schema_version,
            "target_lufs": self.target_lufs,
            "input_gain_db": self.input_gain_db,
            "eq_bands": [plain(b) for b in self.eq_bands],
            "compressor": None if self.compressor is None else plain(self.compressor),
            "limiter": plain(self.limiter),
            "notes": list(self.notes),
        }

    def dumps(self) -> str:
        """JSON text of :meth:`to_json`."""
        return json.dumps(self.to_json(), indent=2, allow_nan=False)

    @classmethod
    def from_json(cls, data: "dict[str, Any] | str") -> "ChainSpec":
        """Rebuild a spec from :meth:`to_json`'s dict or its JSON text.

        Raises
        ------
        ConfigError
            Missing or unknown keys, a different schema version, or values out of range.
        """
        if isinstance(data, (str, bytes)):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"chain spec is not valid JSON ({exc}) — write it with `masteraid master --chain`") from None
        if not isinstance(data, dict):
            raise ConfigError("chain spec must be a JSON object")
        try:
            comp = data.get("compressor")
            return cls(
                schema_version=int(data["schema_version"]),
                target_lufs=_num(data["target_lufs"]),
                input_gain_db=_num(data.get("input_gain_db", 0.0)),
                eq_bands=tuple(
                    EqBand(kind=b["kind"], frequency_hz=_num(b["frequency_hz"]), gain_db=_num(b["gain_db"]), q=_num(b["q"]))
                    for b in data.get("eq_bands", [])
                ),
                compressor=None if comp is None else CompressorSpec(**{k: _num(v) for k, v in comp.items()}),
                limiter=LimiterSpec(**{k: _num(v) for k, v in data["limiter"].items()}),
                notes=tuple(data.get("notes", ())),
            )
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"chain spec is missing or has an unknown key ({exc})") from None


def _num(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ConfigError(f"chain spec value {v!r} is not a number")
    return float(v)
