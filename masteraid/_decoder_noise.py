"""Keep the MP3 decoder's own complaints off the command line's standard error.

libsndfile decodes MP3 with libmpg123, which prints what it finds wrong in a damaged file straight to
the process's standard error (file descriptor 2), a line per bad frame::

    [src/libmpg123/layer3.c:INT123_do_layer3():1804] error: dequantization failed!
    Note: Illegal Audio-MPEG-Header 0xff049064 at offset 20942.

A dozen such lines in front of MasterAid's own one-line error (``the file is damaged or cut short ...``)
bury it.
:func:`filtered_stderr` points descriptor 2 at a pipe for the command's run; a thread passes every line
on to the real standard error except the decoder's, which it counts. Python's own writes
(``sys.stderr``: messages, progress, logging, warnings) go to a duplicate of the real descriptor
directly, unfiltered and in order. The count is reported once, at the end, by the caller.

Only the ``masteraid`` command uses it (:func:`masteraid.cli.run`); the library never touches the
process's descriptors.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import threading

__all__ = ["DecoderNoise", "filtered_stderr", "is_decoder_line"]

#: A line libmpg123 prints: ``[src/libmpg123/<file>:<function>():<line>] error: ...`` for errors, and its
#: notes and warnings (``Note: Illegal Audio-MPEG-Header ...``, ``Note: Trying to resync...``,
#: ``Note: Skipped 417 bytes in input.``, ``Warning: Xing stream size off by more than 1% ...``).
_DECODER_LINE = re.compile(rb"^(\[[^\]]*libmpg123[^\]]*\]|Note: |Warning: |\[[\w./-]+\.c:\w+\(\):\d+\] )")


def is_decoder_line(line: bytes) -> bool:
    """Whether a line written to descriptor 2 is one of libmpg123's (see :data:`_DECODER_LINE`)."""
    return _DECODER_LINE.match(line) is not None


class DecoderNoise:
    """What :func:`filtered_stderr` held back: ``count`` decoder lines (final once the context exits)."""

    def __init__(self) -> None:
        self.count = 0


def _pump(read_fd: int, out_fd: int, noise: DecoderNoise) -> None:
    """Copy ``read_fd`` to ``out_fd`` a line at a time until end of file, dropping decoder lines."""
    pending = b""
    with open(read_fd, "rb", buffering=0, closefd=True) as src:
        while True:
            chunk = src.read(65536)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            keep = [ln + b"\n" for ln in lines if not _drop(ln, noise)]
            _write_all(out_fd, b"".join(keep))
    if pending and not _drop(pending, noise):
        _write_all(out_fd, pending)


def _drop(line: bytes, noise: DecoderNoise) -> bool:
    if is_decoder_line(line):
        noise.count += 1
        return True
    return False


def _write_all(fd: int, data: bytes) -> None:
    while data:
        try:
            n = os.write(fd, data)
        except OSError:  # the real stderr is gone (a closed terminal): nothing to show it on
            return
        data = data[n:]


@contextlib.contextmanager
def filtered_stderr():
    """Filter descriptor 2 for the ``with`` block; yields a :class:`DecoderNoise` (``None`` when standard
    error is not descriptor 2 or cannot be duplicated: then nothing is changed).

    ``sys.stderr`` is replaced for the block by a line-buffered writer on a duplicate of the real
    descriptor (left open after: a logging handler made in the block may still write to it), and restored
    after; descriptor 2 is restored before the thread is joined, which closes the pipe's last write end.
    """
    old = sys.stderr
    try:
        old.flush()
        if old.fileno() != 2:
            raise OSError("not the process's standard error")
        saved = os.dup(2)
    except (AttributeError, OSError, ValueError):  # no stderr, closed, or a capture without a descriptor
        yield None
        return
    try:
        read_fd, write_fd = os.pipe()
    except OSError:
        os.close(saved)
        yield None
        return
    noise = DecoderNoise()
    mine = io.TextIOWrapper(io.FileIO(os.dup(saved), "w"), encoding=getattr(old, "encoding", None) or "utf-8",
                            errors="backslashreplace", line_buffering=True)
    pump = threading.Thread(target=_pump, args=(read_fd, saved, noise), name="masteraid-stderr", daemon=True)
    pump.start()
    os.dup2(write_fd, 2)
    os.close(write_fd)
    sys.stderr = mine
    try:
        yield noise
    finally:
        sys.stderr = old
        with contextlib.suppress(OSError, ValueError):
            mine.flush()  # left open: a logging handler made in the block still holds it
        os.dup2(saved, 2)  # the pipe's write end closes: the pump reads to its end and stops
        pump.join(timeout=5.0)
        if not pump.is_alive():  # else a child process still holds the pipe: the pump keeps writing to saved
            os.close(saved)
