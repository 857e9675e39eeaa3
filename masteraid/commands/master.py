"""``masteraid master RAW [--reference PRETREAT] [--target-lufs L] [--ceiling-dbtp C] [--out FILE]
[--chain FILE.json] [--json]``.

Designs a chain from the raw render (and, with ``--reference``, from the compare with the
pre-treat), renders the master (24-bit WAV at the raw's rate by default; never overwriting), writes
the chain spec as JSON, measures the master as it is written (BS.1770-4 loudness, and true peak and clipping with the
audit's own streaming peaks meter, on exactly the samples written) and prints the
spec with the master's loudness, true peak and PLR next to the pre-treat's.

Every input and output location is checked before the work starts: a ``--out`` or ``--chain`` that
exists is refused (MasterAid never overwrites); the default names (``<raw> - master.wav`` and
``<master>.chain.json`` beside it) step to a free name instead.
"""

from __future__ import annotations

import argparse
import math
import sys
import textwrap
from pathlib import Path

from ..audio import check_writable_folder, open_source, unique_path
from ..errors import ConfigError, OutputExistsError
from ..chain.master import CHAIN_SUFFIX, MASTER_SUFFIX
from ..serialize import SCHEMA_VERSION
from ._common import print_json, progress_to_stderr

__all__ = ["master_command", "MASTER_SUFFIX", "CHAIN_SUFFIX"]
_AUDIO_SUFFIXES = {".wav": "PCM_24", ".wave": "PCM_24", ".aif": "PCM_24", ".aiff": "PCM_24", ".flac": "PCM_24"}


def _check_new_file(value: str, what: str, suffixes) -> Path:
    p = Path(value)
    if p.exists():
        raise OutputExistsError(f"{p}: already exists; MasterAid never overwrites — choose another {what} name")
    check_writable_folder(p.parent)
    if p.suffix.lower() not in suffixes:
        raise ConfigError(f"{p.name}: {what} must end in one of {', '.join(sorted(suffixes))}")
    return p


def _fmt(x: float, unit: str, width: int = 8, digits: int = 1) -> str:
    if x is None or not math.isfinite(x):
        return f"{'—':>{width}}"
    return f"{x:>{width - len(unit) - 1}.{digits}f} {unit}"


def _levels(m) -> dict:
    return {
        "integrated_lufs": m.loudness.integrated_lufs,
        "true_peak_dbtp": m.peaks.true_peak_dbtp,
        "plr_db": m.dynamics.plr_db,
        "clipped_samples": m.peaks.clipped_samples,
        "sample_rate_hz": m.info.sample_rate_hz,
    }


def _spec_text(spec) -> list[str]:
    lines = [f"  target            {spec.target_lufs:.2f} LUFS, ceiling {spec.limiter.ceiling_dbtp:.1f} dBTP"]
    if spec.input_gain_db:
        lines.append(f"  input gain        {spec.input_gain_db:+.2f} dB")
    if spec.eq_bands:
        for b in spec.eq_bands:
            lines.append(f"  EQ {b.kind:<14} {b.frequency_hz:8.1f} Hz  {b.gain_db:+5.2f} dB  Q {b.q:.2f}")
    else:
        lines.append("  EQ                none")
    c = spec.compressor
    if c is not None:
        lines.append(
            f"  compressor        {c.ratio:g}:1 from {c.threshold_db:.1f} dBFS, attack {c.attack_ms:g} ms, "
            f"release {c.release_ms:g} ms, knee {c.knee_db:g} dB, makeup {c.makeup_db:+.1f} dB"
        )
    else:
        lines.append("  compressor        none")
    lim = spec.limiter
    lines.append(
        f"  limiter           drive {lim.drive_db:+.2f} dB, ceiling {lim.ceiling_dbtp:.1f} dBTP, "
        f"lookahead {lim.lookahead_ms:g} ms, release {lim.release_ms:g} ms"
    )
    return lines


def _keep_freed_memory() -> None:
    """Linux/glibc: let this process reuse freed memory instead of giving it back to the system at once.

    The render streams ~1 MB blocks through many short-lived NumPy temporaries. With glibc's defaults,
    freed multi-megabyte blocks go back to the system (``munmap``, heap trimming) and the next allocation
    faults fresh zeroed pages in: ~200 000 page faults, 0.3-0.5 s of system time for a 2.3-minute render;
    with these settings ~24 000. Set once the compare is done (set before it, they kept ~40 MB more of its
    freed memory: a 60-minute pair peaked at 310 MB instead of 270 MB), for this command's own process
    only, never by the library (a host such as REAPER keeps its own allocator settings).
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        mallopt = ctypes.CDLL("libc.so.6").mallopt  # glibc (musl has no mallopt: AttributeError)
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc <malloc.h>
    mallopt(m_mmap_threshold, 4 << 20)  # blocks under 4 MB come from the heap, not their own mapping
    mallopt(m_trim_threshold, 16 << 20)  # the heap's top is trimmed once 16 MB of it is free


def master_command(args: argparse.Namespace) -> int:
    """Run ``masteraid master``; returns the exit code."""
    from ..chain.master import master_files, plr_advice

    raw_src = open_source(args.raw)  # headers checked before any long work
    ref_src = open_source(args.reference) if args.reference else None
    raw_path = Path(args.raw)
    if args.out:
        out = _check_new_file(args.out, "master", _AUDIO_SUFFIXES)
    else:
        out = unique_path(raw_path.with_name(raw_path.stem + MASTER_SUFFIX))
    if args.chain:
        chain_path = _check_new_file(args.chain, "chain", {".json"})
    else:
        chain_path = unique_path(out.with_name(out.stem + CHAIN_SUFFIX))
    # range checks of the overrides happen in the spec; check them before the long work too
    if args.target_lufs is not None and not (-40.0 <= args.target_lufs <= -3.0):
        raise ConfigError(f"--target-lufs {args.target_lufs} is out of range; allowed [-40, -3] LUFS")
    if args.ceiling_dbtp is not None and not (-20.0 <= args.ceiling_dbtp <= 0.0):
        raise ConfigError(f"--ceiling-dbtp {args.ceiling_dbtp} is out of range; allowed [-20, 0] dBTP")

    run = master_files(raw_src, ref_src, out, chain_path, target_lufs=args.target_lufs,
                       ceiling_dbtp=args.ceiling_dbtp, subtype=_AUDIO_SUFFIXES[out.suffix.lower()],
                       progress=progress_to_stderr, before_render=_keep_freed_memory)
    result, comparison, raw_m, chain_written = run.result, run.comparison, run.raw, run.chain_path
    spec = result.spec
    if not result.on_target:
        if math.isfinite(result.integrated_lufs) and result.integrated_lufs > spec.target_lufs:
            warning = (f"the master reads {result.integrated_lufs:.2f} LUFS, louder than the target "
                       f"{spec.target_lufs:.2f} LUFS: a mix too loud for the chain to turn down that far")
        elif math.isfinite(result.integrated_lufs):
            warning = (f"the master reads {result.integrated_lufs:.2f} LUFS, not the target {spec.target_lufs:.2f} LUFS: "
                       f"a mix too quiet for the chain's 60 dB of gain, or a target this chain cannot reach under "
                       f"{spec.limiter.ceiling_dbtp:.1f} dBTP")
        else:
            warning = ("the master's loudness cannot be measured (silent, under BS.1770's -70 LUFS gate, or shorter "
                       f"than the 0.4 s a loudness needs), so the target {spec.target_lufs:.2f} LUFS was not aimed at")
        print(f"masteraid: warning: {warning}", file=sys.stderr)

    doc = {
        "schema_version": SCHEMA_VERSION,
        "master_path": str(out),
        "chain_path": str(chain_written),
        "spec": result.spec.to_json(),
        "render": {
            "loudness_iterations": result.loudness_iterations,
            "limiter_max_reduction_db": result.limiter_max_reduction_db,
            "limiter_mean_reduction_db": result.limiter_mean_reduction_db,
            "safety_margin_db": result.safety_margin_db,
            "final_passes": result.final_passes,
            "timings_s": {"measure": run.measure_s, "design_and_render": run.render_s},
        },
        "master": {
            "integrated_lufs": result.integrated_lufs,
            "true_peak_dbtp": result.true_peak_dbtp,
            "plr_db": result.plr_db,
            "clipped_samples": result.clipped_samples,
            "sample_rate_hz": result.sample_rate_hz,
        },
        "raw": _levels(raw_m),
        "reference": _levels(comparison.pretreat) if comparison is not None else None,
    }
    advice = plr_advice(run)
    doc["plr_advice"] = None if advice is None else {
        "plr_deficit_db": advice.plr_deficit_db,
        "suggested_target_lufs": advice.suggested_target_lufs,
        "same_playback_on": list(advice.same_playback),
        "services": advice.services,
        "text": advice.text,
    }
    if args.json:
        print_json(doc)
        return 0
    w = sys.stdout.write
    w(f"Master of {raw_path.name}\n")
    w("Chain:\n" + "\n".join(_spec_text(result.spec)) + "\n")
    for note in result.spec.notes:
        w(f"  - {note}\n")
    cols = [("master", doc["master"]), ("raw", doc["raw"])]
    if comparison is not None:
        cols.insert(1, ("pre-treat", doc["reference"]))
    w("\n" + f"{'':<22}" + "".join(f"{name:>14}" for name, _ in cols) + "\n")
    rows = [
        # hundredths: the render lands within 0.03 LU of the target, which one decimal can show as 0.1 apart
        ("integrated loudness", lambda m: _fmt(m["integrated_lufs"], "LUFS", 14, 2)),
        ("true peak", lambda m: _fmt(m["true_peak_dbtp"], "dBTP", 14, 2)),
        ("PLR", lambda m: _fmt(m["plr_db"], "dB", 14)),
        ("clipped samples", lambda m: f"{m['clipped_samples']:>14d}"),
    ]
    for label, f in rows:
        w(f"{label:<22}" + "".join(f(m) for _, m in cols) + "\n")
    w(
        f"\nLimiter drive found in {result.loudness_iterations} loudness prediction(s) and "
        f"{result.final_passes} full render(s); "
        f"peak limiting {result.limiter_max_reduction_db:.1f} dB, average {result.limiter_mean_reduction_db:.2f} dB.\n"
    )
    if advice is not None:
        w("\n" + textwrap.fill(advice.text, 100) + "\n\n")
    w(f"Master written to {out}\nChain written to {chain_written}\n")
    return 0
