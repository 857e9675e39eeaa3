"""The exception tree. Every message says what went wrong, the actual values, and what to do next.

The CLI prints ``str(error)`` on one line and exits 1; nothing here is meant to be shown as a
traceback. Suspicious but valid input (a clipped mix, silence) is *not* an exception: it is a
finding in the audit.
"""

from __future__ import annotations

__all__ = [
    "MasterAidError",
    "AudioFileError",
    "InvalidAudioError",
    "OutputExistsError",
    "ConfigError",
    "MismatchError",
    "ReaperError",
]


class MasterAidError(Exception):
    """Base class of every error MasterAid raises on purpose."""


class AudioFileError(MasterAidError):
    """A file cannot be read as audio: missing, a directory, not audio, corrupt or truncated."""


class InvalidAudioError(MasterAidError):
    """The file reads, but it cannot be measured: zero frames, too many channels, ..."""


class OutputExistsError(MasterAidError):
    """An output would overwrite an existing file; MasterAid never does that."""


class ConfigError(MasterAidError):
    """A setting is out of range (the message names the field and the allowed range)."""


class MismatchError(MasterAidError):
    """Two renders cannot be compared (different songs, no overlap, ...)."""


class ReaperError(MasterAidError):
    """REAPER did not do what an action needed (or disagreed with an assumption we check)."""
