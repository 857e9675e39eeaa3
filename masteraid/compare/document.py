"""The JSON view of a :class:`~masteraid.compare.model.Comparison` (``masteraid compare --json``).

The ``match`` (loudness-matching plan for the two renders) and ``streaming`` (platform preview of
each) sections are computed here from the comparison's two measurements, with :mod:`masteraid.match`.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import MasterAidError
from ..match import plan_match, streaming_preview
from ..serialize import SCHEMA_VERSION, to_jsonable
from .model import Comparison
from .spectral import CONFIDENCE_TRUSTED

__all__ = ["comparison_document", "TRACE_JSON_HOP_S"]

#: The gain-reduction trace in the JSON is the maximum over each 100 ms (10 frames at 10 ms).
TRACE_JSON_HOP_S = 0.1


def _file(m) -> dict:
    i = m.info
    return {"file": i.path, "name": i.name, "sample_rate_hz": i.sample_rate_hz, "channels": i.channels,
            "duration_s": i.duration_s, "format": i.format, "subtype": i.subtype}


def _pooled_trace(trace: np.ndarray, hop_s: float) -> tuple[list, float]:
    k = max(1, int(round(TRACE_JSON_HOP_S / hop_s))) if hop_s > 0 else 1
    n = (trace.shape[0] + k - 1) // k
    padded = np.full(n * k, np.nan)
    padded[: trace.shape[0]] = trace
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-nan windows (silence) stay nan -> null
        pooled = np.nanmax(padded.reshape(n, k), axis=1)
    return [round(float(v), 2) if np.isfinite(v) else None for v in pooled], k * hop_s


def comparison_document(c: Comparison) -> dict:
    """A JSON-ready dict: alignment, loudness, tonal, dynamics, stereo, distortion, match, streaming, findings."""
    lv = c.levels
    dyn = c.dynamics
    gr = dyn.gain_reduction
    trace, trace_hop = _pooled_trace(np.asarray(dyn.trace_db, dtype=float), dyn.trace_hop_s)
    plan = None
    try:
        plan = plan_match(c.raw, c.pretreat, names=("raw", "pretreat"))
    except MasterAidError as exc:  # silence: no plan, say why
        plan = {"error": str(exc)}
    rate = c.sample_rate_hz or c.raw.info.sample_rate_hz
    doc = {
        "schema_version": SCHEMA_VERSION,
        "kind": "compare",
        "raw": _file(c.raw),
        "pretreat": _file(c.pretreat),
        "label": c.label,
        "sample_rate_hz": rate,
        "overlap_s": c.overlap_s,
        "alignment": {
            "latency_samples": c.alignment.latency_samples,
            "latency_ms": c.alignment.latency_samples / rate * 1000 if rate else None,
            "polarity_inverted": c.alignment.polarity_inverted,
            "correlation": c.alignment.correlation,
        },
        "loudness": {"delta_lu": c.loudness_delta_lu, **(to_jsonable(lv) if lv is not None else {})},
        "tonal": {
            "bands_hz": c.tonal.bands_hz,
            "change_db": c.tonal.change_db,
            "confidence": c.tonal.confidence,
            "estimate_db": c.tonal.estimate_db,
            "trusted_from_confidence": CONFIDENCE_TRUSTED,
            "reference_hz": [500.0, 2000.0],
            "static_gain_db": c.tonal.static_gain_db,
        },
        "dynamics": {
            "gain_reduction_db": {"mean": gr.mean_db, "p95": gr.p95_db, "max": gr.max_db,
                                  "fraction_above_1db": gr.fraction_above_1db},
            "band_gain_reduction_db": {k: {"mean": v.mean_db, "p95": v.p95_db, "max": v.max_db,
                                           "fraction_above_1db": v.fraction_above_1db}
                                       for k, v in dyn.band_gain_reduction.items()},
            "bands_hz": {"low": [0, 150], "mid": [150, 5000], "high": [5000, None]},
            "transient_reduction_db": dyn.transient_reduction_db,
            "trace": {"hop_s": trace_hop, "start_s": dyn.trace_start_s, "statistic": "max",
                      "gain_reduction_db": trace},
        },
        "stereo": to_jsonable(c.stereo),
        "distortion": to_jsonable(c.distortion),
        "match": plan,
        "streaming": {"raw": streaming_preview(c.raw), "pretreat": streaming_preview(c.pretreat)},
        "findings": c.findings,
    }
    return to_jsonable(doc)
