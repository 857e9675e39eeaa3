"""Streaming edge meter: leading / trailing silence, tail level, noise floor, cut-off tail.

:class:`EdgesMeter` is fed consecutive ``(frames, channels)`` blocks of any size and returns an
:class:`~masteraid.analysis.model.EdgesResult`.

Definitions
-----------
* A sample is *sound* when ``|x| > 10^(−60/20)`` (−60 dBFS) in any channel. ``leading_silence_s``
  is the index of the first sound frame divided by the rate; ``trailing_silence_s`` counts the
  frames after the last sound frame. Both are sample-accurate. A file with no sound reads its
  whole duration for both.
* ``tail_level_db``: RMS of the last 50 ms (``round(0.05 · rate)`` frames, or the whole file if
  shorter), mean square averaged over channels, dBFS (a full-scale sine reads −3.01; silence
  ``-inf``).
* ``noise_floor_db``: 5th percentile (linear interpolation) of the RMS levels of the complete
  50 ms windows (window ``k`` covers frames ``floor(k·rate/20) ..``), leaving out *digital
  silence*: windows below −150 dBFS RMS (under a 24-bit LSB; float renders leave denormal-sized
  leftovers that are not a noise floor). A file shorter than 50 ms uses its one partial window.
  ``-inf`` when every window is digital silence.
* ``tail_cut``: ``tail_level_db > −50`` and either ``tail_level_db > noise_floor_db + 20`` (the render
  stops while the music still sounds well above the file's quiet passages) or ``tail_level_db`` within
  10 dB of the median level of the audible 50 ms windows (it stops at the music's ordinary level: a
  render cut in the middle of a chorus, in a dense mix whose quietest windows are within 20 dB of its
  loud ones, which the first rule missed). A steady signal to the last sample (a tone, even DC) reads
  as cut; a fade-out or a decay to 10 dB under the median does not.

Memory: one float per 50 ms window (about 1.7 MB for 3 hours) and the last 50 ms of samples.
Cost per block: one BLAS dot product per 50 ms window and a backwards scan of the block's end for
the last sound sample (which, in music, stops after the first few samples it looks at).
"""

from __future__ import annotations

import math

import numpy as np

from .model import EdgesResult
from .stereo import check_block, check_meter_args, dot, segment_boundaries

__all__ = ["EdgesMeter"]

#: Threshold for leading / trailing silence (dBFS, on |x|).
SILENCE_THRESHOLD_DBFS = -60.0
#: Window of the tail level and of the noise-floor series (s) — as windows per second.
WINDOWS_PER_S = 20
#: Percentile of the window levels taken as the noise floor.
NOISE_FLOOR_PERCENTILE = 5.0
#: Windows below this RMS (dBFS) are digital silence, not noise floor.
DIGITAL_SILENCE_DBFS = -150.0
#: ``tail_cut`` margins: the tail must exceed the noise floor by this much (dB) ...
TAIL_CUT_MARGIN_DB = 20.0
#: ... and be above this level (dBFS).
TAIL_CUT_MIN_DBFS = -50.0
#: ``tail_cut`` also when the tail is within this many dB of the median window level.
TAIL_CUT_MEDIAN_DB = 10.0

_THRESHOLD = 10.0 ** (SILENCE_THRESHOLD_DBFS / 20.0)
_FIRST_SCAN = 256


def _last_sound(block: np.ndarray) -> int:
    """Index of the last frame of ``block`` with a sample above the threshold, or −1.

    Scans backwards in chunks that grow ×4, so a block that ends in sound costs a few hundred
    samples and a silent block costs about one pass.
    """
    stop = block.shape[0]
    size = _FIRST_SCAN
    while stop > 0:
        start = max(0, stop - size)
        chunk = block[start:stop]
        hit = np.flatnonzero((np.abs(chunk) > _THRESHOLD).any(axis=1))
        if hit.size:
            return start + int(hit[-1])
        stop = start
        size *= 4
    return -1


def _first_sound(block: np.ndarray) -> int:
    """Index of the first frame of ``block`` with a sample above the threshold, or −1."""
    start = 0
    size = _FIRST_SCAN
    n = block.shape[0]
    while start < n:
        chunk = block[start : start + size]
        hit = np.flatnonzero((np.abs(chunk) > _THRESHOLD).any(axis=1))
        if hit.size:
            return start + int(hit[0])
        start += size
        size *= 4
    return -1


class EdgesMeter:
    """Start/end meter (silences, tail level, noise floor, cut tail), fed block by block.

    Parameters
    ----------
    rate_hz : int
        Sample rate (Hz).
    channels : int
        Channels of every block.

    Notes
    -----
    See the module docstring for the definitions. Results do not depend on how the file is cut
    into blocks (to float rounding of the window sums).
    """

    def __init__(self, rate_hz: int, channels: int) -> None:
        check_meter_args(rate_hz, channels)
        self.rate_hz = int(rate_hz)
        self.channels = int(channels)
        self._pos = 0
        self._first = -1  # absolute index of the first sound frame
        self._last = -1  # absolute index of the last sound frame
        self._cur = 0.0  # Σ x² of the 50 ms window in progress
        self._windows: list[np.ndarray] = []  # Σ x² of completed windows
        self._tail_len = max(1, int(round(0.05 * self.rate_hz)))
        self._ring = np.zeros((self._tail_len, self.channels))
        self._ring_pos = 0

    def feed(self, block: np.ndarray) -> None:
        """Add the next ``(frames, channels)`` float block (finite samples)."""
        check_block(block, self.channels)
        n = block.shape[0]
        if n == 0:
            return
        start = self._pos
        last = _last_sound(block)
        if last >= 0:
            self._last = start + last
            if self._first < 0:
                self._first = start + _first_sound(block[: last + 1])
        self._feed_windows(block, start)
        self._feed_ring(block)
        self._pos = start + n

    def _feed_windows(self, block: np.ndarray, start: int) -> None:
        n = block.shape[0]
        ends = segment_boundaries(start, start + n, self.rate_hz, WINDOWS_PER_S) - start
        done = np.empty(len(ends))
        cur = self._cur
        a = 0
        for i, b in enumerate(ends.tolist()):
            v = block[a:b].ravel()
            done[i] = cur + dot(v, v)
            cur = 0.0
            a = b
        if a < n:
            v = block[a:].ravel()
            cur += dot(v, v)
        self._cur = cur
        if len(ends):
            self._windows.append(done)

    def _feed_ring(self, block: np.ndarray) -> None:
        n = block.shape[0]
        size = self._tail_len
        if n >= size:
            self._ring[:] = block[n - size :]
            self._ring_pos = 0
            return
        p = self._ring_pos
        first = min(n, size - p)
        self._ring[p : p + first] = block[:first]
        if first < n:
            self._ring[: n - first] = block[first:]
        self._ring_pos = (p + n) % size

    def result(self) -> EdgesResult:
        """The :class:`EdgesResult` of everything fed so far."""
        total = self._pos
        rate = float(self.rate_hz)
        if self._last < 0:
            leading = trailing = total / rate
        else:
            leading = self._first / rate
            trailing = (total - 1 - self._last) / rate

        tail_frames = min(total, self._tail_len)
        tail = self._ring[:tail_frames] if total < self._tail_len else self._ring
        tail_level = _level_db(float(np.sum(tail * tail)), tail_frames * self.channels)

        sums = np.concatenate(self._windows) if self._windows else np.empty(0)
        if sums.size:
            k = np.arange(sums.size + 1, dtype=np.int64)
            frames = np.diff((k * self.rate_hz) // WINDOWS_PER_S)
        else:  # shorter than one window: the partial one
            sums = np.array([self._cur])
            frames = np.array([total])
        noise_floor = median = -math.inf
        if total:
            with np.errstate(divide="ignore"):
                levels = 10.0 * np.log10(sums / (frames * self.channels))
            audible = levels[levels >= DIGITAL_SILENCE_DBFS]
            if audible.size:
                noise_floor, median = (float(v) for v in np.percentile(audible, [NOISE_FLOOR_PERCENTILE, 50.0]))

        tail_cut = bool(
            tail_level > TAIL_CUT_MIN_DBFS
            and (tail_level > noise_floor + TAIL_CUT_MARGIN_DB or tail_level > median - TAIL_CUT_MEDIAN_DB)
        )
        return EdgesResult(
            leading_silence_s=leading,
            trailing_silence_s=trailing,
            tail_level_db=tail_level,
            noise_floor_db=noise_floor,
            tail_cut=tail_cut,
        )


def _level_db(sum_sq: float, count: int) -> float:
    """``10 log10(sum_sq / count)``: ``-inf`` for zero, ``nan`` for no samples."""
    if count <= 0:
        return math.nan
    if sum_sq <= 0:
        return -math.inf
    return 10.0 * math.log10(sum_sq / count)
