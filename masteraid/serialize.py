"""Plain-JSON view of MasterAid's values (dataclasses, numpy arrays, non-finite floats).

``-inf`` (silence), ``nan`` (undefined, e.g. loudness of a file shorter than one gating block)
and ``inf`` all become JSON ``null``: JSON has no infinities, and a reader must not mistake them
for numbers. Every top-level document carries ``schema_version``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np

__all__ = ["SCHEMA_VERSION", "to_jsonable", "dumps"]

#: Bump when a published JSON key changes meaning or disappears (adding keys does not bump it).
SCHEMA_VERSION = 1


def _float(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def to_jsonable(obj: Any) -> Any:
    """Recursively turn dataclasses / arrays / numpy scalars into JSON-ready Python values.

    A dataclass may define ``to_json(self) -> dict`` to choose its own shape.
    """
    if hasattr(obj, "to_json") and callable(obj.to_json) and not isinstance(obj, type):
        return to_jsonable(obj.to_json())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind == "f":
            return [to_jsonable(v) for v in obj.tolist()]
        return obj.tolist()
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _float(float(obj))
    return obj


def dumps(obj: Any, *, indent: int | None = 2) -> str:
    """JSON text of ``obj`` (see :func:`to_jsonable`); strict JSON, no NaN/Infinity tokens."""
    return json.dumps(to_jsonable(obj), indent=indent, allow_nan=False)
