"""Reading and writing audio: header probe, block streaming, atomic no-clobber writes.

One array layout everywhere: ``(frames, channels)`` float, always 2-D (mono is ``(n, 1)``), as
``soundfile`` returns it with ``always_2d=True``. The sample rate travels with the samples, in an
:class:`AudioInfo` carried by every :class:`Source`.

Sources
-------
A *source* is anything with an ``info`` (:class:`AudioInfo`) and a ``blocks(block_frames)``
method yielding ``(frames, channels)`` float64 blocks. :class:`FileSource` streams a file with
bounded memory; :class:`ArraySource` wraps samples already in memory (tests, small inputs).
:func:`open_source` accepts a path or a source and returns a source.

Writes never overwrite: :func:`unique_path` picks a free name, and :class:`AudioWriter` /
:func:`write_text` write through a temporary file in the same folder which is then *linked* to
the final name, an operation that fails rather than replace an existing file.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Protocol, Union

import numpy as np
import soundfile as sf

from .errors import AudioFileError, InvalidAudioError, OutputExistsError

__all__ = [
    "MAX_CHANNELS",
    "MIN_RATE_HZ",
    "MAX_RATE_HZ",
    "zero_nonfinite",
    "DEFAULT_BLOCK_FRAMES",
    "AudioInfo",
    "Source",
    "FileSource",
    "ArraySource",
    "open_source",
    "probe",
    "read",
    "unique_path",
    "AudioWriter",
    "write",
    "write_text",
    "write_error",
    "new_files",
]

log = logging.getLogger(__name__)

#: BS.1770 weights are defined up to 5.1; more than this is refused with a clear message.
MAX_CHANNELS = 8
#: Default block length for streaming (frames). Meters must give identical results for any size.
DEFAULT_BLOCK_FRAMES = 65536

_LOSSY_FORMATS = {"MP3", "MPEG"}
_LOSSY_SUBTYPES = {"VORBIS", "OPUS", "MPEG_LAYER_I", "MPEG_LAYER_II", "MPEG_LAYER_III"}
_PCM_BITS = {"PCM_S8": 8, "PCM_U8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32}

PathLike = Union[str, os.PathLike]


@dataclass(frozen=True)
class AudioInfo:
    """What a header says about an audio stream (no samples read).

    Attributes
    ----------
    path : str or None
        The file, or ``None`` for samples in memory.
    sample_rate_hz : int
    channels : int
    frames : int
        Sample frames per channel.
    format : str
        Container as libsndfile names it (``"WAV"``, ``"FLAC"``, ``"MP3"``, ...); ``"ARRAY"`` in memory.
    subtype : str
        Encoding (``"PCM_24"``, ``"FLOAT"``, ``"VORBIS"``, ...); ``"DOUBLE"`` in memory.
    """

    path: str | None
    sample_rate_hz: int
    channels: int
    frames: int
    format: str
    subtype: str

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate_hz if self.sample_rate_hz else 0.0

    @property
    def lossy(self) -> bool:
        """True for MP3 / Ogg Vorbis / Opus: the mix already went through a lossy codec."""
        return self.format in _LOSSY_FORMATS or self.subtype in _LOSSY_SUBTYPES

    @property
    def bit_depth(self) -> int | None:
        """Bits per sample for integer PCM; ``None`` for float or lossy encodings."""
        return _PCM_BITS.get(self.subtype)

    @property
    def is_float(self) -> bool:
        return self.subtype in {"FLOAT", "DOUBLE"}

    @property
    def name(self) -> str:
        return Path(self.path).name if self.path else "<memory>"


class Source(Protocol):
    """Anything that can be measured: an :class:`AudioInfo` and a block iterator."""

    info: AudioInfo

    def blocks(self, block_frames: int = DEFAULT_BLOCK_FRAMES) -> Iterator[np.ndarray]:
        """Yield ``(frames, channels)`` float64 blocks covering the whole stream, in order."""
        ...


def zero_nonfinite(block: np.ndarray) -> tuple[np.ndarray, int]:
    """``block`` and 0, or, when it has NaN/Inf samples (a float render a plug-in blew up in), a copy
    with those set to 0 and their count; one cheap test when there are none."""
    if np.isfinite(block.sum()):
        return block, 0
    bad = ~np.isfinite(block)
    return np.where(bad, block.dtype.type(0), block), int(np.count_nonzero(bad))


#: Sample rates MasterAid measures. The top is the highest rate any DAW or interface renders at; a
#: header claiming more is damaged (filters sized by the rate would take gigabytes).
MIN_RATE_HZ, MAX_RATE_HZ = 8000, 768000


def _check_layout(info: AudioInfo) -> None:
    where = info.name
    if info.frames <= 0:
        raise InvalidAudioError(f"{where}: the file has no audio (0 frames) — render it again with a time range")
    if info.channels > MAX_CHANNELS:
        raise InvalidAudioError(
            f"{where}: {info.channels} channels; MasterAid measures up to {MAX_CHANNELS} (5.1/7.1) — "
            "render the master as stereo"
        )
    if info.sample_rate_hz < MIN_RATE_HZ:
        raise InvalidAudioError(
            f"{where}: sample rate {info.sample_rate_hz} Hz is too low to measure ({MIN_RATE_HZ} Hz at least)"
        )
    if info.sample_rate_hz > MAX_RATE_HZ:
        raise InvalidAudioError(
            f"{where}: sample rate {info.sample_rate_hz} Hz is above the {MAX_RATE_HZ} Hz MasterAid measures — "
            "a damaged header, or render at 768 kHz or less"
        )


def probe(path: PathLike) -> AudioInfo:
    """Read a file's header, no samples, and check that MasterAid can measure it.

    Raises
    ------
    AudioFileError
        Missing file, a directory, not something libsndfile reads as audio, or cut short where the header
        or the container tells (WAV, AIFF, RF64 sizes; an Ogg stream without its end).
    InvalidAudioError
        Zero frames, more than :data:`MAX_CHANNELS` channels, a rate outside :data:`MIN_RATE_HZ` ..
        :data:`MAX_RATE_HZ`.
    """
    p = Path(path)
    if not p.exists():
        raise AudioFileError(f"{p}: no such file — check the path")
    if p.is_dir():
        raise AudioFileError(f"{p}: is a folder, not an audio file — name the render file itself")
    try:
        raw = sf.info(str(p))
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        raise AudioFileError(
            f"{p.name}: not an audio file MasterAid can read ({_short(exc)}) — "
            "export WAV, AIFF or FLAC"
        ) from None
    info = AudioInfo(
        path=str(p),
        sample_rate_hz=int(raw.samplerate),
        channels=int(raw.channels),
        frames=int(raw.frames),
        format=str(raw.format),
        subtype=str(raw.subtype),
    )
    if info.format == "OGG":  # first: a cut Ogg file can read as 0 frames
        _check_ogg_end(p, info)
    _check_layout(info)
    _check_complete(info, getattr(raw, "extra_info", "") or "")
    return info


# libsndfile trusts the file length over the header for uncompressed containers: a WAV/AIFF/RF64/W64
# cut in the middle opens fine and simply reports fewer frames. Its header log still shows the sizes
# the header promised ("data : 176400 (should be 88178)"), which is how a truncated render is caught.
_SIZE_LINE = re.compile(r"^\s*(RIFF|riff|FORM|data|SSND)\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)
_FRAMES_LINE = re.compile(
    r"Calculated frame count (\d+) does not match value from 'ds64' chunk of (\d+)"
    r"|Frame count read from 'COMM' chunk \((\d+)\) not equal to frame count\s*\n?\*{0,3}\s*calculated from"
    r" length of 'SSND' chunk \((\d+)\)"
)
#: Sizes streaming writers put in a header they never go back to fix (ffmpeg to a pipe, crashed recorders).
_PLACEHOLDER_SIZES = {0, 0xFFFFFFFF, 0xFFFFFFFF - 8, 0x7FFFFFFF}
_SLACK_BYTES = 8


def _check_complete(info: AudioInfo, log: str) -> None:
    """Raise :class:`AudioFileError` when the header promises more audio than the file holds."""
    for m in _SIZE_LINE.finditer(log):
        declared, actual = int(m.group(2)), int(m.group(3))
        # a few bytes of slack: some writers count a pad byte (odd-sized chunk) they never write
        if declared > actual + _SLACK_BYTES and declared not in _PLACEHOLDER_SIZES:
            raise AudioFileError(
                f"{info.name}: the file is truncated: its header promises {declared} bytes of "
                f"'{m.group(1)}', only {actual} are there — render or copy it again"
            )
    for m in _FRAMES_LINE.finditer(log):
        calculated, declared = (int(m.group(1)), int(m.group(2))) if m.group(1) else (int(m.group(4)), int(m.group(3)))
        if declared > calculated:
            raise AudioFileError(
                f"{info.name}: the file is truncated: the header says {declared} frames, "
                f"only {calculated} are there — render or copy it again"
            )


#: The largest Ogg page: a 27-byte header, 255 lacing values, 255 segments of 255 bytes.
_OGG_MAX_PAGE = 27 + 255 + 255 * 255


def _ogg_end(tail: bytes):
    """How an Ogg stream ends, from the last bytes of the file (``tail``, at least two pages' worth): ``"eos"``
    (its last page says end of stream), ``"open"`` (whole pages up to the end, the last without that flag),
    ``"cut"`` (the last page runs past the end of the file) or ``None`` (no chain of pages found).

    The first ``OggS`` capture pattern (version 0) from which the pages, each ``27 + lacing + body`` bytes
    long, chain to the end of the file decides; a pattern inside compressed data does not chain.
    """
    i = tail.find(b"OggS")
    while i >= 0:
        j, last_flags = i, None
        while j + 27 <= len(tail) and tail[j : j + 4] == b"OggS" and tail[j + 4] == 0:
            n = tail[j + 26]
            if j + 27 + n > len(tail):
                return "cut"  # in the lacing values
            last_flags = tail[j + 5]
            j += 27 + n + sum(tail[j + 27 : j + 27 + n])
        if last_flags is not None:
            if j == len(tail):
                return "eos" if last_flags & 0x04 else "open"
            if j > len(tail) or (j + 27 > len(tail) and b"OggS".startswith(tail[j : j + 4])):
                return "cut"  # in the last page's body, or in its header
        i = tail.find(b"OggS", i + 1)  # a pattern inside compressed data, or something after the pages
    return None


def _check_ogg_end(path: Path, info: AudioInfo) -> None:
    """Raise :class:`AudioFileError` when an Ogg file (Vorbis, Opus) stops before its stream's end.

    libsndfile takes an Ogg file's length from its last page, so a file cut short (an interrupted copy or
    download) opens as a shorter, complete-looking file. Its last page, though, lacks the end-of-stream
    flag every finished Ogg stream sets, or runs past the end of the file."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            offset = max(0, size - 2 * _OGG_MAX_PAGE)
            f.seek(offset)
            tail = f.read()
    except OSError:
        return  # the decoder reads it or says why
    end = _ogg_end(tail)
    if end in ("open", "cut"):
        raise AudioFileError(
            f"{info.name}: the file is truncated: its Ogg stream stops before its end "
            f"({info.frames} frames are there) — render or copy it again"
        )


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    # libsndfile's text for a file its MP3 decoder rejects; the file exists (checked before)
    text = text.replace("File does not exist or is not a regular file (possibly a pipe?).", "the decoder rejected it.")
    return text[:120] if text else type(exc).__name__


class FileSource:
    """A file streamed block by block; memory does not grow with its length.

    The stream is checked as it is read: when it ends before the header's frame count, or the
    decoder fails part-way, :class:`AudioFileError` says the file is truncated or corrupt.
    """

    def __init__(self, path: PathLike):
        self.info = probe(path)

    def blocks(self, block_frames: int = DEFAULT_BLOCK_FRAMES, *, start: int = 0, stop: int | None = None,
               dtype: str = "float64") -> Iterator[np.ndarray]:
        """Consecutive blocks of frames ``start .. stop`` (default: the whole stream), ``block_frames``
        at a time (the last one shorter)."""
        if block_frames < 1:
            raise ValueError("block_frames must be positive")
        stop = self.info.frames if stop is None else min(int(stop), self.info.frames)
        want = max(0, stop - int(start))
        total = 0
        try:
            with sf.SoundFile(self.info.path) as f:
                if start:
                    f.seek(int(start))
                k = 0
                while total < want:
                    k = min(block_frames, want - total)
                    block = f.read(k, dtype=dtype, always_2d=True)
                    total += block.shape[0]
                    if block.shape[0] < k:  # the stream ended before the header says: truncated
                        break
                    yield block
        except sf.LibsndfileError as exc:
            raise self._corrupt(exc, *self._locate_failure(int(start) + total, int(start) + total + k)) from None
        if total < want:
            self._truncated(int(start) + total)

    def read_range(self, start: int, stop: int, dtype: str = "float32") -> np.ndarray:
        """Frames ``start .. stop`` (within the stream) as one ``(frames, channels)`` array."""
        parts = list(self.blocks(max(1, stop - start), start=start, stop=stop, dtype=dtype))
        return parts[0] if len(parts) == 1 else np.zeros((0, self.info.channels), dtype=dtype)

    def read_all(self) -> np.ndarray:
        """The whole stream as float32 ``(frames, channels)``, decoded straight into one array."""
        info = self.info
        out = np.empty((info.frames, info.channels), dtype=np.float32)
        try:
            with sf.SoundFile(info.path) as f:
                n = f.read(info.frames, dtype="float32", always_2d=True, out=out).shape[0]
        except sf.LibsndfileError as exc:
            raise self._corrupt(exc, *self._locate_failure(0, info.frames)) from None
        self._check_complete(n)
        return out

    def _locate_failure(self, good: int, failed: int) -> tuple[int, int]:
        """Narrow a failed read of frames ``good .. failed`` down to a second, reading again a second at a time
        (only on this failure path; a block can span the whole file)."""
        step = max(1, self.info.sample_rate_hz)
        try:
            with sf.SoundFile(self.info.path) as f:
                f.seek(good)
                while good < failed:
                    n = f.read(min(step, failed - good), dtype="float32", always_2d=True).shape[0]
                    if n == 0:
                        break
                    good += n
        except (sf.LibsndfileError, RuntimeError):
            return good, min(good + step, failed)
        return good, failed

    def _corrupt(self, exc: Exception, good: int | None = None, failed: int | None = None) -> AudioFileError:
        """The decoder failed reading frames ``good .. failed`` (those before ``good`` decoded): where, in
        seconds of the file, when known."""
        where = ""
        if good is not None and failed is not None:
            rate = self.info.sample_rate_hz
            where = (f" between {good / rate:.1f} and {min(failed, self.info.frames) / rate:.1f} s "
                     f"(of {self.info.frames / rate:.1f} s)")
        return AudioFileError(
            f"{self.info.name}: the file is corrupt or truncated{where} ({_short(exc)}) — render it again"
        )

    def _check_complete(self, total: int) -> None:
        if total < self.info.frames:
            self._truncated(total)

    def _truncated(self, total: int) -> None:
        # a PCM file that stops early was cut short; a lossy decoder also comes up short when it skips
        # damaged frames in the middle (libmpg123 resyncs past them), and the two look alike from here
        what, verb, fix = (("damaged or cut short", "decoded", "ask for a new copy, or render it again")
                           if self.info.lossy else ("truncated", "read", "render it again"))
        raise AudioFileError(
            f"{self.info.name}: the file is {what}: the header says {self.info.frames} frames "
            f"({self.info.frames / self.info.sample_rate_hz:.1f} s), only {total} could be {verb} "
            f"({total / self.info.sample_rate_hz:.1f} s) — {fix}"
        )

    def __repr__(self) -> str:
        return f"FileSource({self.info.path!r})"


class ArraySource:
    """Samples in memory, shaped ``(frames, channels)`` (a 1-D array is taken as mono)."""

    def __init__(self, samples: np.ndarray, rate: int, *, name: str | None = None):
        data = np.asarray(samples, dtype=np.float64)
        if data.ndim == 1:
            data = data[:, None]
        if data.ndim != 2:
            raise InvalidAudioError(f"samples must be (frames, channels), got shape {data.shape}")
        self.samples = data
        self.info = AudioInfo(
            path=name,
            sample_rate_hz=int(rate),
            channels=int(data.shape[1]),
            frames=int(data.shape[0]),
            format="ARRAY",
            subtype="DOUBLE",
        )
        _check_layout(self.info)

    def blocks(self, block_frames: int = DEFAULT_BLOCK_FRAMES) -> Iterator[np.ndarray]:
        if block_frames < 1:
            raise ValueError("block_frames must be positive")
        for start in range(0, self.samples.shape[0], block_frames):
            yield self.samples[start : start + block_frames]

    def __repr__(self) -> str:
        return f"ArraySource({self.info.frames} frames x {self.info.channels} ch @ {self.info.sample_rate_hz} Hz)"


def open_source(source: "PathLike | Source") -> Source:
    """A :class:`Source` for a path, or the source itself."""
    if isinstance(source, (str, os.PathLike)):
        return FileSource(source)
    if hasattr(source, "blocks") and hasattr(source, "info"):
        return source
    raise TypeError(f"expected a file path or a Source, got {type(source).__name__}")


def read(source: "PathLike | Source") -> tuple[np.ndarray, int]:
    """Whole stream as one ``(frames, channels)`` float64 array and its rate. For small inputs."""
    src = open_source(source)
    if isinstance(src, ArraySource):
        return src.samples, src.info.sample_rate_hz
    parts = list(src.blocks(1 << 18))
    return np.concatenate(parts, axis=0), src.info.sample_rate_hz


# --------------------------------------------------------------------------------------- writing


def unique_path(path: PathLike) -> Path:
    """``path`` if nothing is there, else the first free ``stem (2).ext``, ``stem (3).ext``, ..."""
    p = Path(path)
    if not p.exists():
        return p
    n = 2
    while True:
        candidate = p.with_name(f"{p.stem} ({n}){p.suffix}")
        if not candidate.exists():
            return candidate
        n += 1


def check_writable_folder(folder: PathLike, what: str = "output") -> Path:
    """``folder`` if it exists and a file can be created in it (tried: a temporary file, removed at
    once), else :class:`AudioFileError` saying why — checked before long work, so that it does not end
    in a failed write."""
    if not str(folder):
        raise AudioFileError(f"an empty {what} folder name — give a folder (. for the current one)")
    d = Path(folder)
    if d.exists() and not d.is_dir():
        raise AudioFileError(f"{d}: is not a folder — give the {what} folder, not a file")
    if not d.is_dir():
        raise AudioFileError(f"{d}: {what} folder does not exist — create it first")
    try:
        with tempfile.TemporaryFile(prefix=".masteraid-check-", dir=d):
            pass
    except OSError as exc:
        raise AudioFileError(f"{d}: cannot write in this {what} folder ({exc.strerror or exc}) — choose another "
                             "folder") from None
    return d


#: A folder with less free space than this after a failed write is reported as a full disk (libsndfile
#: says only "System error." when a write runs out of room).
_FULL_DISK_BYTES = 1 << 20


def write_error(path: PathLike, exc: BaseException) -> AudioFileError:
    """A write that the system refused, as a one-line error naming the file (a full disk, above all).

    For the caller to raise ``from exc`` once its temporary file is removed: the final name never
    appears, so the message says nothing was left there.
    """
    reason = getattr(exc, "strerror", None) or str(exc).strip().rstrip(".") or type(exc).__name__
    try:
        if shutil.disk_usage(Path(path).parent).free < _FULL_DISK_BYTES:
            reason = "the disk is full"
    except OSError:
        pass
    return AudioFileError(f"{path}: could not be written ({reason}); nothing was left there — free some space "
                          "or choose another folder")


@contextmanager
def new_files():
    """A list for the paths a job writes, all of which are removed if the job fails or is stopped
    before the end: a set of outputs (matched copies, a report's text and JSON, a master and its spec)
    appears whole or not at all. Only files this job created go into the list."""
    made: list = []
    try:
        yield made
    except BaseException:
        for path in made:
            if path is not None:
                Path(path).unlink(missing_ok=True)
        raise


def _check_parent(p: Path) -> None:
    check_writable_folder(p.parent)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Permissions for new files: what ``open()`` would give under the user's umask (``mkstemp``
#: creates 0600, which would make every render and report private).
_FILE_MODE = 0o666 & ~_umask()


def _commit_no_clobber(tmp: str, final: Path) -> None:
    """Give the finished temporary file its final name, failing if that name is taken."""
    os.chmod(tmp, _FILE_MODE)
    try:
        os.link(tmp, final)  # atomic, and refuses to replace an existing file
    except FileExistsError:
        raise OutputExistsError(f"{final}: already exists; MasterAid never overwrites — choose another name") from None
    except OSError:
        # Filesystems without hard links: check, then rename (a narrow race, never a silent overwrite
        # of a file that existed before we started).
        if final.exists():
            raise OutputExistsError(f"{final}: already exists; MasterAid never overwrites — choose another name") from None
        os.replace(tmp, final)
        return
    os.unlink(tmp)


class AudioWriter:
    """Write audio in blocks to a temporary file, then give it its final name atomically.

    Use as a context manager; if the body raises, the temporary file is removed and nothing
    appears at ``path``. The final name must not exist (see :func:`unique_path`).

    Parameters
    ----------
    path : path-like
        Final file name; its suffix picks the container unless ``format`` is given.
    rate : int
        Sample rate in Hz.
    channels : int
    subtype : str, keyword-only
        libsndfile subtype: ``"PCM_24"`` (default), ``"PCM_16"``, ``"FLOAT"``, ...
    format : str, keyword-only
        libsndfile container, e.g. ``"WAV"``, ``"FLAC"``; from the suffix when ``None``.
    compression_level : float, keyword-only
        0..1 for compressed formats (FLAC: 1.0 is its highest level); libsndfile's default when ``None``.
    """

    def __init__(self, path: PathLike, rate: int, channels: int, *, subtype: str = "PCM_24", format: str | None = None,
                 compression_level: float | None = None):
        self.path = Path(path)
        if self.path.exists():
            raise OutputExistsError(f"{self.path}: already exists; MasterAid never overwrites — choose another name")
        _check_parent(self.path)
        self.rate, self.channels, self.subtype = int(rate), int(channels), subtype
        self.format = format or (self.path.suffix.lstrip(".").upper() or "WAV")
        if self.format == "AIF":
            self.format = "AIFF"
        self.compression_level = compression_level
        self._tmp: str | None = None
        self._file: sf.SoundFile | None = None

    def __enter__(self) -> "AudioWriter":
        fd, self._tmp = tempfile.mkstemp(prefix=".masteraid-", suffix=self.path.suffix or ".wav", dir=self.path.parent)
        try:  # also on Ctrl-C here: ``__exit__`` only runs once this has returned
            os.close(fd)
            extra = {} if self.compression_level is None else {"compression_level": self.compression_level}
            self._file = sf.SoundFile(
                self._tmp, "w", samplerate=self.rate, channels=self.channels, subtype=self.subtype, format=self.format,
                **extra,
            )
        except BaseException:
            os.unlink(self._tmp)
            raise
        return self

    def write(self, block: np.ndarray) -> None:
        """Append a ``(frames, channels)`` block; a write the system refuses (a full disk) raises
        :class:`~masteraid.errors.AudioFileError` naming :attr:`path`."""
        assert self._file is not None, "use AudioWriter as a context manager"
        try:
            self._file.write(np.asarray(block))
        except (sf.SoundFileRuntimeError, OSError) as exc:
            raise write_error(self.path, exc) from exc

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self._file is not None and self._tmp is not None
        try:
            try:
                self._file.close()  # flushes: a full disk can show here
            except (sf.SoundFileRuntimeError, OSError) as close_exc:
                if exc_type is None:
                    raise write_error(self.path, close_exc) from close_exc
            if exc_type is None:
                _commit_no_clobber(self._tmp, self.path)
        finally:
            if os.path.exists(self._tmp):
                os.unlink(self._tmp)


def write(path: PathLike, samples: np.ndarray, rate: int, *, subtype: str = "PCM_24", format: str | None = None,
          compression_level: float | None = None) -> Path:
    """Write a whole ``(frames, channels)`` array atomically to a new file; returns its path
    (parameters as :class:`AudioWriter`)."""
    data = np.asarray(samples)
    if data.ndim == 1:
        data = data[:, None]
    with AudioWriter(path, rate, data.shape[1], subtype=subtype, format=format, compression_level=compression_level) as w:
        w.write(data)
    return Path(path)


def write_text(path: PathLike, text: str) -> Path:
    """Write a text file (report, JSON) atomically to a new name; never overwrites."""
    p = Path(path)
    if p.exists():
        raise OutputExistsError(f"{p}: already exists; MasterAid never overwrites — choose another name")
    _check_parent(p)
    fd, tmp = tempfile.mkstemp(prefix=".masteraid-", suffix=p.suffix, dir=p.parent)
    try:
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            raise write_error(p, exc) from exc
        _commit_no_clobber(tmp, p)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return p
