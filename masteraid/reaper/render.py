"""Render settings as named constants, and one checked render of the master mix to a new file.

Facts and sources in ``shared/reaper/API-NOTES.md`` §2. What is UNCONFIRMED there is checked at
run time: every value written is read back; ``RENDER_TARGETS`` must name exactly the file we
chose (so the extension REAPER appends, wildcards in the name and the output folder are all
verified before anything is written); after the action the file must exist, read as audio,
and have the rate, channel count, sample format and length we asked for.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from ..audio import AudioInfo, probe
from ..errors import MasterAidError, ReaperError
from ._api import CheckedApi

__all__ = [
    "RENDER_SOURCE_MASTER_MIX", "BOUNDS_CUSTOM", "BOUNDS_ENTIRE_PROJECT", "BOUNDS_TIME_SELECTION",
    "TAIL_CUSTOM", "TAIL_ENTIRE_PROJECT", "TAIL_TIME_SELECTION", "RENDER_SRATE_PROJECT",
    "ADDTOPROJ_OFF", "DITHER_OFF", "NORMALIZE_OFF", "WAV_FLOAT32", "WAV_PCM24", "NO_SECONDARY_FORMAT",
    "ACTION_RENDER_MOST_RECENT_AUTOCLOSE", "NUMERIC_KEYS", "STRING_KEYS", "render_settings",
    "apply_settings", "render_targets", "render_to", "wav_config_bits",
]

# RENDER_SETTINGS: (v & 3) == 0 is "master mix"; every other bit (stems, selected tracks/items via
# master, render matrix, 2nd pass, ...) cleared.
RENDER_SOURCE_MASTER_MIX = 0
# RENDER_BOUNDSFLAG
BOUNDS_CUSTOM = 0
BOUNDS_ENTIRE_PROJECT = 1
BOUNDS_TIME_SELECTION = 2
# RENDER_TAILFLAG: which bounds modes get the tail
TAIL_CUSTOM = 1
TAIL_ENTIRE_PROJECT = 2
TAIL_TIME_SELECTION = 4
RENDER_SRATE_PROJECT = 0   # RENDER_SRATE 0 = the project sample rate
RENDER_CHANNELS_STEREO = 2
ADDTOPROJ_OFF = 0          # RENDER_ADDTOPROJ: do not add the renders to the project
DITHER_OFF = 0             # RENDER_DITHER: no dither, no noise shaping (float output needs none)
NORMALIZE_OFF = 0          # RENDER_NORMALIZE: no render normalization / brickwall / fades

#: WAV sink configs (base64 of b"evaw" + bit-depth byte + flags + large-file mode; API-NOTES §2).
#: 32 = IEEE float. Raw mixes without their bus limiter routinely exceed 0 dBFS; float keeps those
#: overs intact for the audit and the mastering chain, needs no dither, and makes the raw/pre-treat
#: difference exact. 24-bit PCM (``"ZXZhdxgAAA=="``) would clip them.
WAV_FLOAT32 = base64.b64encode(b"evaw\x20\x00\x00").decode("ascii")   # "ZXZhdyAAAA=="
WAV_PCM24 = base64.b64encode(b"evaw\x18\x00\x00").decode("ascii")     # "ZXZhdxgAAA=="
_WAV_SUBTYPE = {0x20: "FLOAT", 0x18: "PCM_24"}
NO_SECONDARY_FORMAT = ""

#: "File: Render project, using the most recent render settings, auto-close render dialog".
ACTION_RENDER_MOST_RECENT_AUTOCLOSE = 42230

NUMERIC_KEYS = ("RENDER_SETTINGS", "RENDER_BOUNDSFLAG", "RENDER_SRATE", "RENDER_CHANNELS",
                "RENDER_TAILFLAG", "RENDER_TAILMS", "RENDER_ADDTOPROJ", "RENDER_DITHER", "RENDER_NORMALIZE")
#: RENDER_FORMAT is written last (API-NOTES §2).
STRING_KEYS = ("RENDER_FILE", "RENDER_PATTERN", "RENDER_FORMAT2", "RENDER_FORMAT")

#: Allowed mismatch between the rendered length and the bounds (s): one block of slack for
#: REAPER's rounding to samples.
LENGTH_TOLERANCE_S = 0.01


def wav_config_bits(config: str) -> int | None:
    """The bit-depth byte of a base64 WAV sink config, or None if it is not one."""
    try:
        raw = base64.b64decode(config, validate=True)
    except Exception:  # noqa: BLE001
        return None
    return raw[4] if len(raw) >= 5 and raw[:4] == b"evaw" else None


def render_settings(*, bounds: str, tail_ms: float, wav_config: str = WAV_FLOAT32) -> dict[str, float | str]:
    """The numeric and format settings of a dual-bounce render (file and pattern are per render)."""
    flag, tail_bit = {"project": (BOUNDS_ENTIRE_PROJECT, TAIL_ENTIRE_PROJECT),
                      "time_selection": (BOUNDS_TIME_SELECTION, TAIL_TIME_SELECTION)}[bounds]
    return {
        "RENDER_SETTINGS": float(RENDER_SOURCE_MASTER_MIX),
        "RENDER_BOUNDSFLAG": float(flag),
        "RENDER_SRATE": float(RENDER_SRATE_PROJECT),
        "RENDER_CHANNELS": float(RENDER_CHANNELS_STEREO),
        "RENDER_TAILFLAG": float(tail_bit if tail_ms > 0 else 0),
        "RENDER_TAILMS": float(tail_ms),
        "RENDER_ADDTOPROJ": float(ADDTOPROJ_OFF),
        "RENDER_DITHER": float(DITHER_OFF),
        "RENDER_NORMALIZE": float(NORMALIZE_OFF),
        "RENDER_FORMAT2": NO_SECONDARY_FORMAT,
        "RENDER_FORMAT": wav_config,
    }


def _get_string(rpr: CheckedApi, proj: str, key: str) -> str:
    ok, *_, value, _ = rpr.GetSetProjectInfo_String(proj, key, "", False)
    if not ok:
        raise ReaperError(f"REAPER cannot read {key}: update REAPER (MasterAid needs 6.30 or newer)")
    return str(value)


def _set_string(rpr: CheckedApi, proj: str, key: str, value: str) -> None:
    rpr.GetSetProjectInfo_String(proj, key, value, True)


def apply_settings(rpr: CheckedApi, proj: str, settings: dict[str, float | str]) -> None:
    """Write the settings (RENDER_FORMAT last) and check that REAPER took each one."""
    for key, value in settings.items():
        if key != "RENDER_FORMAT":
            if isinstance(value, str):
                _set_string(rpr, proj, key, value)
            else:
                rpr.GetSetProjectInfo(proj, key, value, True)
    if "RENDER_FORMAT" in settings:
        _set_string(rpr, proj, "RENDER_FORMAT", str(settings["RENDER_FORMAT"]))
    for key, value in settings.items():
        if key == "RENDER_FORMAT":
            got_bits, want_bits = wav_config_bits(_get_string(rpr, proj, key)), wav_config_bits(str(value))
            if got_bits != want_bits:
                raise ReaperError(f"REAPER did not accept the WAV format {value!r} for RENDER_FORMAT "
                                  f"(it reads back {_get_string(rpr, proj, key)!r}): update REAPER or "
                                  "report this REAPER version")
        elif isinstance(value, str):
            got = _get_string(rpr, proj, key)
            if got != value:
                raise ReaperError(f"REAPER did not accept {key} = {value!r} (it reads back {got!r})")
        else:
            got = float(rpr.GetSetProjectInfo(proj, key, 0.0, False))
            if got != value:
                raise ReaperError(f"REAPER did not accept {key} = {value:g} (it reads back {got:g})")


def render_targets(rpr: CheckedApi, proj: str) -> list[str]:
    """The files a render with the current settings would write (``RENDER_TARGETS``)."""
    return [t for t in _get_string(rpr, proj, "RENDER_TARGETS").split(";") if t]


def _same(a: str | Path, b: str | Path) -> bool:
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def render_to(rpr: CheckedApi, proj: str, path: Path, *, expected_rate_hz: int | None,
              expected_seconds: float, wav_config: str = WAV_FLOAT32) -> AudioInfo:
    """Render the master mix to ``path`` (which must not exist) with the settings already applied.

    Sets RENDER_FILE / RENDER_PATTERN, checks RENDER_TARGETS is exactly ``path``, runs action
    42230 and checks the file. On any failure after the action, a file REAPER left at ``path``
    (created by this render, since ``path`` did not exist) is removed.
    """
    path = Path(path)
    if path.suffix.lower() != ".wav":
        raise ValueError(f"render path must end in .wav, got {path}")
    apply_settings(rpr, proj, {"RENDER_FILE": str(path.parent), "RENDER_PATTERN": path.stem})
    targets = render_targets(rpr, proj)
    if len(targets) != 1 or not _same(targets[0], path):
        raise ReaperError(f"REAPER would write {' ; '.join(targets) or 'nothing'}, expected {path}: "
                          "check the project's render settings (wildcards in the project name?)")
    if path.exists():
        raise ReaperError(f"{path} appeared while MasterAid was rendering; nothing was overwritten — run it again")
    try:
        rpr.Main_OnCommandEx(ACTION_RENDER_MOST_RECENT_AUTOCLOSE, 0, proj)
        if not path.exists():
            raise ReaperError(f"render produced no file at {path}: the render failed or was cancelled "
                              "(see REAPER's render window / console), nothing was changed")
        try:
            info = probe(path)
        except MasterAidError as exc:
            raise ReaperError(f"render produced an unreadable file {path.name}: {exc}") from exc
        want_bits = wav_config_bits(wav_config)
        problems = []
        if info.subtype != _WAV_SUBTYPE.get(want_bits or -1, info.subtype):
            problems.append(f"sample format {info.subtype}, asked for {_WAV_SUBTYPE[want_bits]}")
        if info.channels != RENDER_CHANNELS_STEREO:
            problems.append(f"{info.channels} channels, asked for 2")
        if expected_rate_hz and info.sample_rate_hz != expected_rate_hz:
            problems.append(f"{info.sample_rate_hz} Hz, the project runs at {expected_rate_hz} Hz")
        if abs(info.duration_s - expected_seconds) > LENGTH_TOLERANCE_S:
            problems.append(f"{info.duration_s:.3f} s long, the bounds are {expected_seconds:.3f} s "
                            "(render cut short?)")
        if problems:
            raise ReaperError(f"render {path.name} is not what MasterAid asked for: " + "; ".join(problems))
        return info
    except BaseException:
        if path.exists():
            path.unlink()
        raise
