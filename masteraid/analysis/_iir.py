"""Second-order-section IIR filtering for the meters, without importing ``scipy.signal``.

``import scipy.signal`` costs 0.5–2 s of start-up (it pulls in ``scipy.stats`` and the array-API
layer), more than measuring a 3-minute song. The meters only need the compiled SOS loop behind
``scipy.signal.sosfilt``, so this module loads that one extension (``scipy/signal/_sosfilt``) by
its path and calls it directly on channel-major ``(channels, frames)`` blocks, in place, with no
per-call validation or copies. If the extension cannot be loaded (another SciPy layout), it falls
back to ``scipy.signal.sosfilt`` with identical results. :func:`rfft` does the same for
``scipy.fft.rfft`` (its pocketfft extension, loaded by path: ``import scipy.fft`` costs ~0.2 s).

:func:`butter_lowpass_sos` and :func:`butter_highpass_sos` design Butterworth filters as
``scipy.signal.butter(..., output="sos")`` does (analog prototype, bilinear transform with pre-warping);
:func:`periodic_hann` is ``scipy.signal.get_window("hann", n)``.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import logging
import math
import os

import numpy as np

__all__ = ["sosfilt_rows", "rfft", "butter_lowpass_sos", "butter_highpass_sos", "periodic_hann"]

log = logging.getLogger(__name__)


def _load_extension(subpackage: str, module: str):
    """Load one compiled SciPy extension (``scipy/<subpackage>/<module>.*.so``) by its path, without
    importing its package (whose ``__init__`` is the slow part); ``None`` if it is not there."""
    try:
        import scipy

        folder = os.path.join(os.path.dirname(scipy.__file__), *subpackage.split("."))
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(folder, module + suffix)
            if os.path.exists(path):
                spec = importlib.util.spec_from_file_location(f"scipy.{subpackage}.{module}", path)
                if spec is None or spec.loader is None:
                    break
                mod = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(mod)
                return mod
    except Exception as exc:  # any SciPy layout we do not know: the caller uses the public function
        log.debug("scipy.%s.%s not loadable directly (%s); using the public API", subpackage, module, exc)
    return None


def _load_sosfilt():
    mod = _load_extension("signal", "_sosfilt")
    return getattr(mod, "_sosfilt", None) if mod is not None else None


_SOSFILT = _load_sosfilt()
_POCKETFFT = _load_extension("fft._pocketfft", "pypocketfft")


def rfft(a: np.ndarray, n: int | None = None, axis: int = -1) -> np.ndarray:
    """``scipy.fft.rfft(a, n, axis)`` (the same pocketfft code: same results, float32 stays float32),
    without importing ``scipy.fft`` (~0.2 s of start-up: it pulls in SciPy's array-API layer).
    ``n`` longer than the axis zero-pads it."""
    a = np.asarray(a)
    if n is not None and n != a.shape[axis]:
        if n < a.shape[axis]:
            raise ValueError("rfft: n shorter than the data is not supported")
        pad = [(0, 0)] * a.ndim
        pad[axis] = (0, n - a.shape[axis])
        a = np.pad(a, pad)
    if _POCKETFFT is not None:
        return _POCKETFFT.r2c(a, axes=[axis % a.ndim], forward=True, inorm=0, out=None, nthreads=1)
    import scipy.fft

    return scipy.fft.rfft(a, axis=axis)


def irfft(a: np.ndarray, n: int, axis: int = -1) -> np.ndarray:
    """``scipy.fft.irfft(a, n, axis)`` (pocketfft, complex64 gives float32), without importing ``scipy.fft``."""
    a = np.asarray(a)
    if _POCKETFFT is not None:
        want = n // 2 + 1
        if a.shape[axis] != want:  # crop or zero-pad the bins as scipy does
            if a.shape[axis] > want:
                a = np.take(a, np.arange(want), axis=axis)
            else:
                pad = [(0, 0)] * a.ndim
                pad[axis] = (0, want - a.shape[axis])
                a = np.pad(a, pad)
        return _POCKETFFT.c2r(a, axes=[axis % a.ndim], lastsize=n, forward=False, inorm=2, out=None, nthreads=1)
    import scipy.fft

    return scipy.fft.irfft(a, n=n, axis=axis)


def sosfilt_rows(sos: np.ndarray, x: np.ndarray, zi: np.ndarray) -> np.ndarray:
    """Filter each row of ``x`` through ``sos`` with state ``zi``, **in place**; returns ``x``.

    Parameters
    ----------
    sos : ndarray, shape (n_sections, 6), float64, C-contiguous
    x : ndarray, shape (rows, frames), float64, C-contiguous — overwritten by the output
    zi : ndarray, shape (rows, n_sections, 2), float64, C-contiguous — updated to the final state

    Notes
    -----
    ``zi`` is laid out as the compiled loop wants it (rows first), not as ``scipy.signal.sosfilt``'s
    ``zi`` argument (sections first).
    """
    if _SOSFILT is not None:
        _SOSFILT(sos, x, zi)
        return x
    from scipy import signal

    y, zf = signal.sosfilt(sos, x, axis=1, zi=np.moveaxis(zi, 1, 0))
    x[...] = y
    zi[...] = np.moveaxis(zf, 0, 1)
    return x


def periodic_hann(n: int) -> np.ndarray:
    """The periodic ("DFT-even") Hann window of ``n`` points, as ``scipy.signal.get_window("hann", n)``."""
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)


def butter_highpass_sos(order: int, cutoff_hz: float, rate_hz: float) -> np.ndarray:
    """Digital Butterworth high pass as second-order sections (same as ``scipy.signal.butter``):
    the low pass's poles, zeros at z = 1, unit gain at Nyquist. Same parameters as :func:`butter_lowpass_sos`."""
    sos = butter_lowpass_sos(order, cutoff_hz, rate_hz)
    a1, a2 = sos[:, 4], sos[:, 5]
    g = (1.0 - a1 + a2) / 4.0  # unit gain at z = -1
    sos[:, 0], sos[:, 1], sos[:, 2] = g, -2.0 * g, g
    return sos


def butter_lowpass_sos(order: int, cutoff_hz: float, rate_hz: float) -> np.ndarray:
    """Digital Butterworth low pass as second-order sections (same as ``scipy.signal.butter``).

    Parameters
    ----------
    order : int
        Even order (2, 4, 6, ...).
    cutoff_hz : float
        -3 dB frequency, below ``rate_hz / 2``.
    rate_hz : float

    Returns
    -------
    ndarray, shape (order // 2, 6)
    """
    if order < 2 or order % 2:
        raise ValueError("order must be even and at least 2")
    k = 2.0 * rate_hz
    wc = k * math.tan(math.pi * cutoff_hz / rate_hz)  # pre-warped analog cutoff (rad/s)
    sections = []
    for i in range(order // 2):
        theta = math.pi * (2 * i + 1 + order) / (2 * order)
        p = wc * complex(math.cos(theta), math.sin(theta))  # analog pole (left half plane)
        zp = (k + p) / (k - p)  # bilinear transform
        a1, a2 = -2.0 * zp.real, abs(zp) ** 2
        g = (1.0 + a1 + a2) / 4.0  # unit gain at DC; zeros at z = -1
        sections.append([g, 2.0 * g, g, 1.0, a1, a2])
    # scipy orders sections with the poles closest to the unit circle last
    sections.sort(key=lambda s: s[5])
    return np.array(sections, dtype=np.float64)
