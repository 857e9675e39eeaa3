"""A float32 array in a temporary file, for passes whose intermediate data grow with the file's length
(the chain's render cache, a streamed compare's per-frame sums)."""

from __future__ import annotations

import os

import numpy as np

__all__ = ["DiskArray"]


class DiskArray:
    """A float32 array in a temporary file, read and written by contiguous row ranges with
    ``pread``/``pwrite`` (no memory map, so the process's resident memory stays bounded by the
    blocks in flight whatever the file's length)."""

    def __init__(self, path: str, shape: tuple):
        self.shape = tuple(int(n) for n in shape)
        self._tail = self.shape[1:]
        self._row = int(np.prod(self._tail, dtype=np.int64)) * 4
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.ftruncate(self._fd, self.shape[0] * self._row)
        except OSError as exc:
            self.close()
            raise self._error(exc) from exc

    def _error(self, exc: OSError):
        """A refused write (a full disk) as a one-line error naming the folder the scratch file is in."""
        from .errors import AudioFileError

        folder = os.path.dirname(os.path.abspath(self.path))
        if os.path.basename(folder).startswith(".masteraid-"):  # a job's own scratch folder: name where it is
            folder = os.path.dirname(folder)
        return AudioFileError(f"{folder}: no room for MasterAid's scratch data ({exc.strerror or exc}) — free some "
                              "space there or choose another output folder")

    def _range(self, key: slice) -> tuple[int, int]:
        start = 0 if key.start is None else key.start
        stop = self.shape[0] if key.stop is None else min(key.stop, self.shape[0])
        return start, max(stop, start)

    def __setitem__(self, key: slice, value) -> None:
        start, stop = self._range(key)
        data = np.ascontiguousarray(value, dtype=np.float32).reshape((-1,) + self._tail)[: stop - start]
        view = memoryview(data).cast("B")
        offset = start * self._row
        while view:
            try:
                n = os.pwrite(self._fd, view, offset)
            except OSError as exc:
                raise self._error(exc) from exc
            view, offset = view[n:], offset + n

    def __getitem__(self, key: slice) -> np.ndarray:
        start, stop = self._range(key)
        want = (stop - start) * self._row
        parts, offset = [], start * self._row
        while want > 0:
            b = os.pread(self._fd, want, offset)
            if not b:
                raise OSError("cache file ended early")
            parts.append(b)
            want -= len(b)
            offset += len(b)
        return np.frombuffer(b"".join(parts), dtype=np.float32).reshape((stop - start,) + self._tail)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
