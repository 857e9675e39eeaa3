"""Test helper: run one streaming meter over an array, whole or in fixed-size blocks."""

from __future__ import annotations

import numpy as np


def run_meter(meter_cls, x: np.ndarray, rate: int, block: int | None = None):
    """``meter_cls(rate, channels)`` fed ``x`` at once (``block=None``) or ``block`` frames at a time."""
    m = meter_cls(rate, x.shape[1])
    if block is None:
        m.feed(x)
    else:
        for i in range(0, x.shape[0], block):
            m.feed(x[i : i + block])
    return m.result()
