"""Windows over an aligned pair fed in blocks: the common ground of the compare's two passes.

:class:`FramedPass` cuts the raw and the pre-treat, fed as consecutive aligned ``(frames, channels)``
blocks of any size, into windows of ``length`` samples every ``hop``, carrying the samples between
blocks, and hands them to :meth:`FramedPass._process` a chunk of windows at a time, as strided views of
one channel-major buffer (rows: the raw's channels, then the pre-treat's). The windows are the same
whatever the block sizes, so a pass over a whole array in memory and one over a file read in blocks
give the same results.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["FramedPass", "PIECE_FRAMES"]

#: Frames handled per step (a channel-major copy of this much of both renders is made).
PIECE_FRAMES = 1 << 18


class FramedPass:
    """Base of the block-fed passes: ``windows`` windows of ``length`` samples every ``hop``, processed
    ``chunk`` at a time by :meth:`_process`; :attr:`_next` is the index of the first window of the
    views handed over."""

    def __init__(self, channels: int, length: int, hop: int, windows: int, chunk: int):
        self.channels, self.length, self.hop = int(channels), int(length), int(hop)
        self.windows, self.chunk = max(0, int(windows)), int(chunk)
        self._carry = np.zeros((2 * self.channels, 0), dtype=np.float32)  # samples from window _next on
        self._next = 0

    def feed(self, x: np.ndarray, y: np.ndarray) -> None:
        """Add the next aligned blocks (same shape, ``(frames, channels)``), a piece at a time (a whole
        file in memory is not copied)."""
        for s in range(0, x.shape[0], PIECE_FRAMES):
            self._feed(x[s : s + PIECE_FRAMES], y[s : s + PIECE_FRAMES])

    def _feed(self, x: np.ndarray, y: np.ndarray) -> None:
        ch, hop, n = self.channels, self.hop, self.length
        c0 = self._carry.shape[1]
        buf = np.empty((2 * ch, c0 + x.shape[0]), dtype=np.float32)  # contiguous rows: windows read fast
        buf[:, :c0] = self._carry
        buf[:ch, c0:] = x.T
        buf[ch:, c0:] = y.T
        avail = 0 if buf.shape[1] < n else 1 + (buf.shape[1] - n) // hop
        avail = max(0, min(avail, self.windows - self._next))
        if avail:
            views = [sliding_window_view(buf[i], n)[::hop][:avail] for i in range(2 * ch)]
            for s in range(0, avail, self.chunk):
                self._process(views, s, min(avail, s + self.chunk))
        self._next += avail
        self._carry = buf[:, avail * hop :].copy()

    def _process(self, views: list, s: int, e: int) -> None:  # pragma: no cover - abstract
        """Windows ``s..e`` of ``views`` (window ``_next + s`` of the pass is ``views[i][s]``)."""
        raise NotImplementedError
