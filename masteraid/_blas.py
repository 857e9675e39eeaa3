"""One BLAS thread while MasterAid's own worker threads run.

The meters and the compare run on their own threads (one per group of meters, see
:func:`masteraid.analysis.analyze`), and a few of their heavy steps are matrix products (the true-peak
interpolation). NumPy's OpenBLAS would split each product over every core and spin its threads while
waiting, competing with ours: measured on two cores, the analysis of a limited 5-minute file took
1.2-1.3 s with OpenBLAS threading and 0.93 s with one BLAS thread. :func:`single_threaded_blas` limits
BLAS to one thread for the duration of a call (via threadpoolctl, which knows every BLAS build and
restores the previous setting); nested and concurrent uses share one limit, released by the last.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator

__all__ = ["single_threaded_blas"]

_lock = threading.Lock()
_depth = 0
_limiter = None


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Context manager: BLAS runs on one thread inside; the previous limits come back on exit."""
    global _depth, _limiter
    with _lock:
        if _depth == 0:
            from threadpoolctl import threadpool_limits

            _limiter = threadpool_limits(limits=1, user_api="blas")
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _limiter is not None:
                _limiter.restore_original_limits()
                _limiter = None
