"""Streaming-platform loudness normalization, as data with a source and a date per entry.

Only Spotify publishes its policy in detail (Spotify for Artists, "Loudness normalization"). For the
other platforms the targets below are the values reported by third-party guides and measurements;
the fields nobody documents are ``None``, which means **unknown** — MasterAid does not invent them.
Policies change: check the source before relying on a number, and update the entry with its date.

``turns_up`` values:

* ``"no"`` — quiet tracks are left as they are (turn-down only);
* ``"to_true_peak"`` — quiet tracks are turned up only until their true peak reaches
  ``up_true_peak_limit_dbtp``;
* ``"with_limiter"`` — turned up to the target regardless of peak, a limiter holding peaks at
  ``limiter_threshold_dbfs`` (sample values);
* ``None`` — unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ConfigError

__all__ = ["TURN_UP_POLICIES", "PlatformPolicy", "PLATFORMS", "platform"]

TURN_UP_POLICIES = ("no", "to_true_peak", "with_limiter", None)

_SPOTIFY = "Spotify for Artists, 'Loudness normalization', https://support.spotify.com/us/artists/article/loudness-normalization/"
_SPOTIFY_DATE = "2026-11-23 (stored copy of the page read on this date; the page itself is undated)"
_THIRD_PARTY = (
    "third-party guides, not the platform's own documentation: e.g. https://www.velveteen.fm/guides/mastering-for-streaming/"
    "dsp-loudness-targets-compared, https://www.sageaudio.com/blog/mastering/mastering-for-streaming-platform-loudness-"
    "and-normalization-explained.php"
)
_THIRD_PARTY_DATE = "2026-11-23 (read on this date; the guides date from 2021-2026 and disagree in places)"


@dataclass(frozen=True)
class PlatformPolicy:
    """How one platform (or one playback preset) normalizes loudness.

    Attributes
    ----------
    key : str
        Stable identifier (``"spotify_normal"``).
    name : str
        As a mixer says it.
    target_lufs : float
        Integrated loudness (BS.1770) the platform plays tracks at.
    turns_down : bool or None
        Loud tracks are turned down to the target (``None``: unknown).
    turns_up : str or None
        One of :data:`TURN_UP_POLICIES` (``None``: unknown).
    up_true_peak_limit_dbtp : float or None
        For ``"to_true_peak"``: the true peak a track may be turned up to.
    limiter_threshold_dbfs : float or None
        For ``"with_limiter"``: where the playback limiter engages (sample values).
    source, date : str
        Where the numbers come from, and when they were read.
    notes : str
        What is uncertain.
    """

    key: str
    name: str
    target_lufs: float
    turns_down: bool | None
    turns_up: str | None
    up_true_peak_limit_dbtp: float | None
    limiter_threshold_dbfs: float | None
    source: str
    date: str
    notes: str = ""

    def __post_init__(self) -> None:
        if self.turns_up not in TURN_UP_POLICIES:
            raise ConfigError(f"PlatformPolicy.turns_up must be one of {TURN_UP_POLICIES}, got {self.turns_up!r}")
        if self.turns_up == "to_true_peak" and self.up_true_peak_limit_dbtp is None:
            raise ConfigError(f"{self.key}: turns_up 'to_true_peak' needs up_true_peak_limit_dbtp")
        if self.turns_up == "with_limiter" and self.limiter_threshold_dbfs is None:
            raise ConfigError(f"{self.key}: turns_up 'with_limiter' needs limiter_threshold_dbfs")


PLATFORMS: tuple[PlatformPolicy, ...] = (
    PlatformPolicy(
        "spotify_normal", "Spotify (Normal)", -14.0, True, "to_true_peak", -1.0, None, _SPOTIFY, _SPOTIFY_DATE,
        "Default preset. Quiet masters are lifted only as far as the true peak allows, leaving 1 dB of headroom "
        "(the page's example: -20 LUFS with -5 dBTP is lifted to -16 LUFS). Album mode normalizes a whole album by one gain.",
    ),
    PlatformPolicy(
        "spotify_loud", "Spotify (Loud)", -11.0, True, "with_limiter", None, -1.0, _SPOTIFY, _SPOTIFY_DATE,
        "Premium preset. Set regardless of true peak; a playback limiter engages at -1 dB (sample values), "
        "5 ms attack, 100 ms decay.",
    ),
    PlatformPolicy(
        "spotify_quiet", "Spotify (Quiet)", -19.0, True, "to_true_peak", -1.0, None, _SPOTIFY, _SPOTIFY_DATE,
        "Premium preset. The current page says -19 LUFS; older Spotify documentation and many guides say -23 LUFS. "
        "The page states the true-peak rule for positive gain in general, not per preset (assumed to apply).",
    ),
    PlatformPolicy(
        "apple_music", "Apple Music (Sound Check)", -16.0, True, None, None, None, _THIRD_PARTY, _THIRD_PARTY_DATE,
        "Target -16 LUFS as reported by third parties; only applies with Sound Check on. Whether and how far quiet "
        "tracks are turned up is not documented: unknown.",
    ),
    PlatformPolicy(
        "youtube", "YouTube", -14.0, True, "no", None, None, _THIRD_PARTY, _THIRD_PARTY_DATE,
        "Turn-down only, as measured by third parties (YouTube does not publish its target).",
    ),
    PlatformPolicy(
        "tidal", "Tidal", -14.0, True, "no", None, None, _THIRD_PARTY, _THIRD_PARTY_DATE,
        "Turn-down only as reported by third parties; album normalization by default.",
    ),
    PlatformPolicy(
        "amazon_music", "Amazon Music", -14.0, True, None, None, None, _THIRD_PARTY, _THIRD_PARTY_DATE,
        "Target reported as -14 LUFS by most guides, -13 by some (and -9 to -13 by others); turn-up policy unknown.",
    ),
    PlatformPolicy(
        "deezer", "Deezer", -15.0, True, None, None, None, _THIRD_PARTY, _THIRD_PARTY_DATE,
        "Target reported as -15 LUFS (some guides say -14 to -16); turn-up policy unknown.",
    ),
)


def platform(key: str) -> PlatformPolicy:
    """The policy with this ``key``."""
    for p in PLATFORMS:
        if p.key == key:
            return p
    raise ConfigError(f"unknown platform {key!r}; known: {', '.join(p.key for p in PLATFORMS)}")
