"""Worker threads for streamed passes: :class:`Stage` (a consumer) and :class:`Prefetch` (a producer).

The heavy steps of MasterAid's passes (pocketfft, biquads, matrix products, file I/O) release the GIL,
so a pass split into stages that see the blocks in order uses two cores and gives the result of one
thread. Used by the render (:mod:`masteraid.chain.render`) and the compare's final pass.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable

__all__ = ["Stage", "Prefetch"]


class Stage:
    """Runs ``fn(*item)`` for each queued item, in order, on one worker thread, so a pass's stages overlap
    on two cores (the heavy steps, biquads, matrix products and file I/O, release the GIL). At most
    ``depth`` items wait. An error in ``fn`` is re-raised by the next :meth:`put` or by :meth:`close`;
    the items after it are dropped."""

    def __init__(self, fn: Callable, name: str, depth: int = 3):
        self._queue: "queue.Queue" = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None

        def work():
            while True:
                item = self._queue.get()
                if item is None:
                    return
                if self._error is None:
                    try:
                        fn(*item)
                    except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                        self._error = exc

        self._thread = threading.Thread(target=work, name=name, daemon=True)
        self._thread.start()

    def put(self, *item) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(item)

    def stop(self) -> None:
        """Let the worker finish the queued items and end (raises nothing; for ``finally``)."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def close(self) -> None:
        """Wait for the queued items; re-raise the worker's error, if any."""
        self.stop()
        if self._error is not None:
            raise self._error


class Prefetch:
    """Iterates ``items`` on a worker thread, at most ``depth`` items ahead of the consumer (decoding the
    file or reading the cache overlaps with processing the previous block). Re-raises the iterator's
    error where the consumer reaches it; :meth:`stop` ends the worker early."""

    _END = object()

    def __init__(self, items, name: str, depth: int = 2):
        self._queue: "queue.Queue" = queue.Queue(maxsize=depth)
        self._stopped = False

        def work():
            try:
                for item in items:
                    if self._stopped:
                        break
                    self._queue.put((item, None))
                self._queue.put((self._END, None))
            except BaseException as exc:  # noqa: BLE001 - re-raised in the consumer's thread
                self._queue.put((self._END, exc))
            finally:
                close = getattr(items, "close", None)
                if close is not None:
                    close()

        self._thread = threading.Thread(target=work, name=name, daemon=True)
        self._thread.start()

    def __iter__(self):
        while True:
            item, exc = self._queue.get()
            if exc is not None:
                raise exc
            if item is self._END:
                return
            yield item

    def stop(self) -> None:
        self._stopped = True
        while self._thread.is_alive():
            try:
                self._queue.get(timeout=0.05)
            except queue.Empty:
                pass
        self._thread.join()
