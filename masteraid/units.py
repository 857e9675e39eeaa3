"""Decibel conversions, in one place.

``_db`` values are 20·log10 of an amplitude ratio (or 10·log10 of a power ratio); ``_gain`` values
are linear amplitude factors. Zero maps to ``-inf`` dB, never to an error or a warning.
"""

from __future__ import annotations

import numpy as np

__all__ = ["db_to_gain", "gain_to_db", "power_to_db", "db_to_power"]


def db_to_gain(db):
    """Amplitude factor for a level in dB: ``10 ** (db / 20)``; ``-inf`` gives 0."""
    return np.power(10.0, np.asarray(db, dtype=float) / 20.0) if np.ndim(db) else 10.0 ** (float(db) / 20.0)


def gain_to_db(gain):
    """Level in dB of a (non-negative) amplitude factor: ``20 log10 |gain|``; 0 gives ``-inf``."""
    with np.errstate(divide="ignore"):
        out = 20.0 * np.log10(np.abs(np.asarray(gain, dtype=float)))
    return out if np.ndim(out) else float(out)


def power_to_db(power):
    """Level in dB of a power (mean square) ratio: ``10 log10 power``; 0 gives ``-inf``."""
    with np.errstate(divide="ignore"):
        out = 10.0 * np.log10(np.asarray(power, dtype=float))
    return out if np.ndim(out) else float(out)


def db_to_power(db):
    """Power ratio for a level in dB: ``10 ** (db / 10)``."""
    return np.power(10.0, np.asarray(db, dtype=float) / 10.0) if np.ndim(db) else 10.0 ** (float(db) / 10.0)
