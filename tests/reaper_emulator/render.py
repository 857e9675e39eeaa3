"""A real render: items -> track FX -> volume/pan/mute/solo -> folders/sends -> master FX -> file.

What the emulator renders (everything else fails the render with a console message naming the
setting, so a test never passes over a silently ignored option):

* source: master mix (``RENDER_SETTINGS & 3 == 0``; other bits refused except 0);
* bounds (``RENDER_BOUNDSFLAG``): 0 custom (``RENDER_STARTPOS``/``RENDER_ENDPOS``), 1 entire
  project (0 .. end of last item), 2 time selection; tail ``RENDER_TAILMS`` when the
  ``RENDER_TAILFLAG`` bit of that mode is set (&1 custom, &2 project, &4 time selection);
* rate: ``RENDER_SRATE`` (0 = project rate); the mix runs at the project rate and is resampled
  (``resample_poly``) when they differ; items whose file rate differs are resampled too;
* channels: ``RENDER_CHANNELS`` 2, or 1 = (L+R)/2 (ASSUMPTION: REAPER's mono downmix law is
  UNCONFIRMED);
* format: ``RENDER_FORMAT`` WAV sink (``"evaw"`` = 24-bit default, or base64 of ``b"evaw" +
  depth`` with 8/16/24 PCM, 32 float, 33 PCM-32, 64 float); no dither (``RENDER_DITHER`` is
  ignored: ASSUMPTION that tests do not rely on dither noise); ``RENDER_NORMALIZE & 1`` and a
  secondary format are refused;
* file name: ``RENDER_FILE`` (directory; relative to the project folder; empty = project folder)
  + ``RENDER_PATTERN`` (``$project`` = project name without extension; empty = ``$project``)
  + ``".wav"``. ASSUMPTION: REAPER appends the extension (UNCONFIRMED; read RENDER_TARGETS).
* existing target: ASSUMPTION (UNCONFIRMED how REAPER's overwrite prompt behaves under a script):
  by default the emulator behaves as if the user cancelled the prompt (nothing written, console
  line); ``session.emulator["existing_render_target"] = "overwrite"`` overwrites instead.

Mixing model:

* an item contributes its take's file from ``D_STARTOFFS`` for ``D_LENGTH`` seconds at
  ``D_POSITION``, times item and take ``D_VOL``; a muted item is silent; mono files feed both channels;
* per track: items + folder children + receives -> FX chain (if ``I_FXEN``; each FX unless
  disabled or offline; ``Wet`` mixes the latency-aligned dry) -> ``B_PHASE`` -> ``D_VOL`` ->
  ``D_PAN``. Pan law: ASSUMPTION (REAPER's default is UNCONFIRMED) stereo balance, 0 dB at
  centre: ``L *= min(1, 1 - pan)``, ``R *= min(1, 1 + pan)``;
* routing: ``B_MAINSEND`` to the folder parent (or the master at top level); sends are post-fader
  (``D_VOL``/``D_PAN``, ``B_MUTE``);
* mute silences the track's output (including its sends); solo: when any track has ``I_SOLO``
  != 0, a track's own items and its sends only sound if it or a folder ancestor is soloed; a
  folder parent of a soloed track passes its children's audio (its own items are silent).
* the master: sum -> master FX (if its ``I_FXEN``) -> ``D_VOL`` -> ``D_PAN``; master mute silences
  the render. Monitoring / record-input FX are never rendered (ASSUMPTION, API-NOTES §3).
* plug-in latency: ASSUMPTION (UNCONFIRMED): by default the render is NOT delay-compensated, so a
  lookahead limiter's latency shows up in the file; ``session.emulator["pdc_compensation"] = True``
  advances each chain's output by its reported latency instead.

``RENDER_STATS`` after a render: ``FILE:<path>;PEAK:<dBFS>;CLIP:<n>;RMSI:<dB>;LUFSI:<LUFS>;
LUFSMMAX:…;LUFSSMAX:…;LRA:<LU>;TRUEPEAK:<dBTP>;`` (keys as public scripts parse them; units
dB/LUFS: ASSUMPTION). A dry run writes the same statistics without ``FILE``.
"""

from __future__ import annotations

import base64
import math
import os
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal

from . import faults
from .project import Project, Track

__all__ = ["targets", "mix", "render_action", "dry_run", "stats", "wav_subtype", "RenderError"]

_SUBTYPES = {8: "PCM_U8", 16: "PCM_16", 24: "PCM_24", 32: "FLOAT", 33: "PCM_32", 64: "DOUBLE"}


class RenderError(Exception):
    """A render setting the emulator does not (or REAPER would not) honour."""


def wav_subtype(fmt: str) -> str:
    fmt = fmt.strip()
    if fmt == "evaw":
        return "PCM_24"
    try:
        raw = base64.b64decode(fmt, validate=True)
    except Exception as exc:  # noqa: BLE001
        raise RenderError(f"RENDER_FORMAT {fmt!r} is not a sink id or base64 sink config") from exc
    if raw[:4] != b"evaw":
        raise RenderError(f"RENDER_FORMAT sink {raw[:4]!r} is not WAV; the emulator renders WAV only")
    if len(raw) < 5 or raw[4] not in _SUBTYPES:
        raise RenderError(f"RENDER_FORMAT WAV bit depth {raw[4:5]!r} not emulated")
    return _SUBTYPES[raw[4]]


def _project_stem(p: Project) -> str:
    return Path(p.file_name).stem if p.file_name else "untitled"


def targets(emu, p: Project) -> list[str]:
    d = p.render_strings.get("RENDER_FILE", "")
    folder = p.folder or os.path.join(emu.session.resource_path, "Media")
    if not d:
        d = folder
    elif not os.path.isabs(d):
        d = os.path.join(folder, d)
    pattern = p.render_strings.get("RENDER_PATTERN", "") or "$project"
    name = pattern.replace("$project", _project_stem(p))
    if "$" in name:
        raise RenderError(f"RENDER_PATTERN wildcard in {pattern!r} not emulated (only $project)")
    return [os.path.join(d, name + ".wav")]


def _bounds(p: Project, which: str | None = None) -> tuple[float, float]:
    r = p.render
    flag = int(r["RENDER_BOUNDSFLAG"]) if which is None else {"project": 1, "time_selection": 2}[which]
    if flag == 0:
        start, end, tailbit = r["RENDER_STARTPOS"], r["RENDER_ENDPOS"], 1
    elif flag == 1:
        start, end, tailbit = 0.0, p.length_s(), 2
    elif flag == 2:
        start, end = p.time_selection
        tailbit = 4
    else:
        raise RenderError(f"RENDER_BOUNDSFLAG {flag} (regions/markers/items) not emulated")
    if end <= start:
        raise RenderError(f"render bounds {start:.3f}..{end:.3f} s are empty")
    if int(r["RENDER_TAILFLAG"]) & tailbit:
        end += r["RENDER_TAILMS"] / 1000.0
    return start, end


def _read_item(emu, item, rate: int, start_f: int, n: int) -> tuple[int, np.ndarray] | None:
    take = item.take
    if take is None or not take.file or item.mute:
        return None
    data, sr = sf.read(take.file, always_2d=True, dtype="float64")
    if sr != rate:
        g = math.gcd(int(sr), int(rate))
        data = signal.resample_poly(data, rate // g, int(sr) // g, axis=0)
    if data.shape[1] == 1:
        data = np.repeat(data, 2, axis=1)
    data = data[:, :2]
    pos_f = int(round(item.position_s * rate))
    off_f = int(round(take.start_offset_s * rate))
    len_f = int(round(item.length_s * rate))
    seg = np.zeros((len_f, 2))
    if off_f < 0:
        src = data[: max(0, len_f + off_f)]
        seg[-off_f: -off_f + len(src)] = src
    else:
        src = data[off_f: off_f + len_f]
        seg[: len(src)] = src
    seg *= item.volume * take.volume
    # place into the window [start_f, start_f + n)
    a, b = max(pos_f, start_f), min(pos_f + len_f, start_f + n)
    if b <= a:
        return None
    return a - start_f, seg[a - pos_f: b - pos_f]


def _run_chain(emu, chain, x: np.ndarray, rate: int) -> np.ndarray:
    comp = bool(emu.session.emulator.get("pdc_compensation", False))
    for inst in chain:
        if not inst.enabled or inst.offline:
            continue
        impl = inst.impl
        lat = impl.latency(inst, rate)
        y = impl.process(inst, x, rate)
        if inst.wet < 1.0:
            from .fx import delay
            y = inst.wet * y + (1.0 - inst.wet) * delay(x, lat)
        if comp and lat:
            y = np.concatenate([y[lat:], np.zeros((min(lat, len(y)),) + y.shape[1:])])
        x = y
    return x


def _pan(x: np.ndarray, pan: float, volume: float = 1.0) -> np.ndarray:
    """Volume then balance pan, as one per-channel gain (a new array; ``x`` is not modified)."""
    g = np.array([volume * min(1.0, 1.0 - pan), volume * min(1.0, 1.0 + pan)])
    return x * g


def mix(emu, p: Project, start_s: float, end_s: float) -> tuple[np.ndarray, int]:
    """The master output over ``[start_s, end_s)`` at the project rate, ``(frames, 2)``."""
    rate = p.rate_hz
    start_f = int(round(start_s * rate))
    n = int(round(end_s * rate)) - start_f
    from .api import _folder_parents
    parents = _folder_parents(p)
    any_solo = any(t.solo for t in p.tracks)

    def soloed_self_or_ancestor(t: Track) -> bool:
        while t is not None:
            if t.solo:
                return True
            t = parents.get(id(t))
        return False

    children: dict[int, list[Track]] = {}
    for t in p.tracks:
        par = parents.get(id(t))
        if par is not None and t.main_send:
            children.setdefault(id(par), []).append(t)
    receives: dict[str, list[tuple[Track, object]]] = {}
    for t in p.tracks:
        for s in t.sends:
            receives.setdefault(s.dest_guid.upper(), []).append((t, s))

    cache: dict[int, np.ndarray] = {}
    visiting: set[int] = set()

    def output(t: Track) -> np.ndarray:
        """Post-fader output of track t (before routing)."""
        if id(t) in cache:
            return cache[id(t)]
        if id(t) in visiting:
            raise RenderError(f"routing loop through track {t.name!r}")
        visiting.add(id(t))
        own_audible = (not any_solo) or soloed_self_or_ancestor(t)
        x = np.zeros((n, 2))
        if own_audible:
            for item in t.items:
                got = _read_item(emu, item, rate, start_f, n)
                if got is not None:
                    at, seg = got
                    x[at: at + len(seg)] += seg
        for c in children.get(id(t), []):
            x += output(c)
        for src, s in receives.get(t.guid.upper(), []):
            if not s.mute and ((not any_solo) or soloed_self_or_ancestor(src)):
                x += _pan(output(src), s.pan, s.volume)
        if t.fx_enabled:
            x = _run_chain(emu, t.fx, x, rate)
        if t.phase:
            x = -x
        x = _pan(x, t.pan, t.volume)
        if t.mute:
            x = np.zeros_like(x)
        visiting.discard(id(t))
        cache[id(t)] = x
        return x

    master_in = np.zeros((n, 2))
    for t in p.tracks:
        if parents.get(id(t)) is None and t.main_send:
            master_in += output(t)
    m = p.master
    y = _run_chain(emu, m.fx, master_in, rate) if m.fx_enabled else master_in
    y = _pan(y, m.pan, m.volume)
    if m.mute:
        y = np.zeros_like(y)
    return y, rate


# ---- statistics (ITU-R BS.1770-4 / EBU Tech 3341-3342) ------------------------------------------

def _k_weighting(rate: int) -> np.ndarray:
    """BS.1770 K-weighting as 2 SOS, designed for any rate (the 48 kHz coefficients of BS.1770-4
    Table 1/2 re-derived through the bilinear transform of their analog prototypes)."""
    # stage 1: high shelf (f0 1681.97 Hz, G +3.99984 dB, Q 0.7071752)
    f0, G, Q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    K = math.tan(math.pi * f0 / rate)
    Vh = 10 ** (G / 20)
    Vb = Vh ** 0.4996667741545416
    a0 = 1 + K / Q + K * K
    b = [(Vh + Vb * K / Q + K * K) / a0, 2 * (K * K - Vh) / a0, (Vh - Vb * K / Q + K * K) / a0]
    a = [1, 2 * (K * K - 1) / a0, (1 - K / Q + K * K) / a0]
    # stage 2: RLB high pass (f0 38.1355 Hz, Q 0.5003270)
    f0, Q = 38.13547087602444, 0.5003270373238773
    K = math.tan(math.pi * f0 / rate)
    a0 = 1 + K / Q + K * K
    b2 = [1, -2, 1]
    a2 = [1, 2 * (K * K - 1) / a0, (1 - K / Q + K * K) / a0]
    return np.array([b + a, b2 + a2], dtype=float)


def _block_loudness(z: np.ndarray, rate: int, win_s: float, hop_s: float) -> np.ndarray:
    w, h = int(round(win_s * rate)), int(round(hop_s * rate))
    if len(z) < w:
        return np.zeros(0)
    c = np.concatenate([[0.0], np.cumsum(z)])
    starts = np.arange(0, len(z) - w + 1, h)
    return (c[starts + w] - c[starts]) / w


def _lufs(power: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10(power)


def stats(y: np.ndarray, rate: int) -> dict[str, float]:
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    z = np.sum(signal.sosfilt(_k_weighting(rate), y, axis=0) ** 2, axis=1)  # G = 1 for L/R
    mom = _block_loudness(z, rate, 0.4, 0.1)
    st = _block_loudness(z, rate, 3.0, 0.1)
    lm, ls = _lufs(mom), _lufs(st)
    gated = mom[lm > -70.0]
    if gated.size:
        rel = _lufs(np.array([gated.mean()]))[0] - 10.0
        gated2 = gated[_lufs(gated) > rel]
        lufsi = float(_lufs(np.array([gated2.mean()]))[0]) if gated2.size else -math.inf
    else:
        lufsi = -math.inf
    st_abs = st[ls > -70.0]
    lra = 0.0
    if st_abs.size:
        rel = _lufs(np.array([st_abs.mean()]))[0] - 20.0
        v = _lufs(st_abs)
        v = v[v > rel]
        if v.size:
            lra = float(np.percentile(v, 95) - np.percentile(v, 10))
    tp = float(np.max(np.abs(signal.resample_poly(y, 4, 1, axis=0)))) if y.size else 0.0
    with np.errstate(divide="ignore"):
        return {
            "PEAK": float(20 * np.log10(peak)) if peak > 0 else -math.inf,
            "CLIP": float(np.sum(np.abs(y) >= 1.0)),
            "RMSI": float(10 * np.log10(np.mean(y ** 2))) if y.size and np.any(y) else -math.inf,
            "LUFSI": lufsi,
            "LUFSMMAX": float(lm.max()) if lm.size else -math.inf,
            "LUFSSMAX": float(ls.max()) if ls.size else -math.inf,
            "LRA": lra,
            "TRUEPEAK": float(20 * np.log10(tp)) if tp > 0 else -math.inf,
        }


def _fmt(v: float) -> str:
    return "-inf" if v == -math.inf else (f"{int(v)}" if float(v).is_integer() and abs(v) < 1e15 else f"{v:.2f}")


def stats_string(st: dict[str, float], file: str | None) -> str:
    parts = ([f"FILE:{file}"] if file is not None else []) + [f"{k}:{_fmt(v)}" for k, v in st.items()]
    return ";".join(parts) + ";"


# ---- actions ------------------------------------------------------------------------------------

def _check_settings(p: Project) -> None:
    r = p.render
    if int(r["RENDER_SETTINGS"]) != 0:
        raise RenderError(f"RENDER_SETTINGS {int(r['RENDER_SETTINGS'])} not emulated (master mix = 0 only)")
    if int(r["RENDER_NORMALIZE"]) & 1:
        raise RenderError("RENDER_NORMALIZE is enabled; render normalization is not emulated")
    if p.render_strings.get("RENDER_FORMAT2", ""):
        raise RenderError("RENDER_FORMAT2 (secondary render) is not emulated")
    if int(r["RENDER_CHANNELS"]) not in (1, 2):
        raise RenderError(f"RENDER_CHANNELS {int(r['RENDER_CHANNELS'])} not emulated (1 or 2)")


def _final(emu, p: Project, which: str | None) -> tuple[np.ndarray, int]:
    start, end = _bounds(p, which)
    y, rate = mix(emu, p, start, end)
    out_rate = int(p.render["RENDER_SRATE"]) or rate
    if out_rate != rate:
        g = math.gcd(out_rate, rate)
        y = signal.resample_poly(y, out_rate // g, rate // g, axis=0)
    if int(p.render["RENDER_CHANNELS"]) == 1:
        y = y.mean(axis=1, keepdims=True)
    return y, out_rate


def render_action(emu, p: Project) -> None:
    """Actions 41824 / 42230: render with the most recent settings (synchronous here)."""
    emu.render_count += 1
    fault = faults.render_fault(emu.session, emu.render_count)
    if fault == "raise":
        raise faults.InjectedFault(f"injected fault: render #{emu.render_count} raised")
    try:
        _check_settings(p)
        subtype = wav_subtype(p.render_strings.get("RENDER_FORMAT", "evaw"))
        paths = targets(emu, p)
        y, rate = _final(emu, p, None)
    except RenderError as exc:
        emu.session.console += f"Render failed: {exc}\n"
        emu.warn(f"render failed: {exc}")
        return
    if fault == "nothing":
        return
    if fault == "fail":
        emu.session.console += "Render failed: error writing file (injected fault)\n"
        return
    path = paths[0]
    if os.path.exists(path) and emu.session.emulator.get("existing_render_target") != "overwrite":
        emu.session.console += f"Render cancelled: {path} exists (overwrite prompt answered No)\n"
        emu.warn(f"render target exists: {path}")
        return
    if not os.path.isdir(os.path.dirname(path)):
        os.makedirs(os.path.dirname(path), exist_ok=True)  # REAPER creates the render directory
    data = y[: len(y) // 2] if fault == "truncated" else y
    sf.write(path, data, rate, subtype=subtype, format="WAV")
    st = stats(y, rate)
    p.render_stats = stats_string(st, path)
    if int(p.render["RENDER_ADDTOPROJ"]) & 1:
        from .project import Item, Take, Track
        p.tracks.append(Track(items=[Item(position_s=_bounds(p)[0], length_s=len(y) / rate,
                                          takes=[Take(file=path, name=Path(path).name)])]))
        emu.changed(p)


def dry_run(emu, p: Project, which: str) -> None:
    """Actions 42440 (entire project) / 42441 (time selection): statistics without a file.
    ASSUMPTION (UNCONFIRMED): the dry run covers the entire project / the time selection
    regardless of RENDER_BOUNDSFLAG, and RENDER_STATS carries no FILE key."""
    try:
        _check_settings(p)
        y, rate = _final(emu, p, which)
    except RenderError as exc:
        emu.session.console += f"Dry-run render failed: {exc}\n"
        emu.warn(f"dry run failed: {exc}")
        return
    p.render_stats = stats_string(stats(y, rate), None)
