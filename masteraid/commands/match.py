"""``masteraid match A B [...] --out DIR [--by integrated|short-term-max] [--start S] [--end S] [--json]``.

Measures each render, plans gains that make them equally loud (:func:`masteraid.match.plan_match`:
never pushing a true peak above 0 dBTP; where matching up would, it matches down) and writes each as
a 32-bit float WAV ``<stem> - matched <gain> dB.wav`` into DIR: new names, never overwriting; with the
extension, or the folders, when the stems alone would not tell the renders apart; float, so no
clipping is introduced; the whole set or, on a failure or Ctrl-C half-way, none of it. A render with
NaN/Inf samples or a blown-up peak is refused (:func:`masteraid.audit.refuse_corrupt`). Prints the
gains (or the plan as JSON with ``--json``).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from ..audio import new_files, open_source
from ..audit import refuse_corrupt
from ..errors import ConfigError
from ..match import plan_match, write_matched
from ..serialize import SCHEMA_VERSION, to_jsonable
from ._common import check_report_dir, print_json, progress_to_stderr

__all__ = ["match_command", "matched_name", "distinct_labels"]


def matched_name(label: str, gain_db: float) -> str:
    """``<label> - matched +1.50 dB.wav``."""
    return f"{label} - matched {gain_db:+.2f} dB.wav"


def distinct_labels(paths) -> list[str]:
    """Names that tell the renders apart in the output folder: their stems (``song``), else their file
    names (``song.mp3``, ``song.flac``), else with as many of their folders as it takes
    (``v1 - song.wav``, ``v2 - song.wav``); the same file given twice keeps one name."""
    ps = [Path(p).resolve() for p in paths]
    depth = max(len(p.parts) for p in ps)
    for level in range(depth + 1):
        if level == 0:
            labels = [p.stem for p in ps]
        else:
            labels = [" - ".join(p.parts[max(len(p.parts) - level, 1):]) for p in ps]
        if len(set(labels)) == len(set(ps)):
            return labels
    return labels  # pragma: no cover - distinct paths have distinct full paths


def match_command(args: argparse.Namespace) -> int:
    """Run ``masteraid match``; returns the exit code."""
    files = list(args.files)
    if len(files) < 2:
        raise ConfigError(f"match needs two or more renders, got {len(files)} — name the raw and the pre-treat")
    out = check_report_dir(args.out, what="output")
    start, end = getattr(args, "start", None), getattr(args, "end", None)
    for flag, value in (("--start", start), ("--end", end)):
        if value is not None and not (math.isfinite(value) and value >= 0.0):
            raise ConfigError(f"{flag} {value:g} s: give a time in seconds from the start of the render (0 or more)")
    if start is not None and end is not None and not end > start:
        raise ConfigError(f"--end ({end:g} s) must be after --start ({start:g} s)")
    sources = [open_source(f) for f in files]  # every header checked before any work
    from ..analysis import analyze

    ms = [analyze(s, progress=progress_to_stderr) for s in sources]
    for m in ms:
        refuse_corrupt(m)  # a float copy would carry the NaN/Inf (or the +500 dBFS) into the listening test
    plan = plan_match(*ms, by=args.by, start_s=start, end_s=end, names=[s.info.name for s in sources])
    with new_files() as written:  # the whole set, or none of it (a full disk, Ctrl-C half-way)
        for s, e, label in zip(sources, plan.entries, distinct_labels(files)):
            written.append(write_matched(s, e.gain_db, out / matched_name(label, e.gain_db)))
    if args.json:
        doc = to_jsonable(plan)
        for entry, path in zip(doc["entries"], written):
            entry["written"] = str(path)
        print_json({"schema_version": SCHEMA_VERSION, "kind": "match", **doc})
    else:
        what = "integrated loudness" if plan.by == "integrated" else "max short-term loudness"
        rng = "" if start is None and end is None else f" over {start or 0:g}-{'end' if end is None else f'{end:g} s'}"
        print(f"matched by {what}{rng} at {plan.target_lufs:.1f} LUFS"
              f"{' (matched down: matching up would push a true peak over 0 dBTP)' if plan.matched_down else ''}")
        for e, path in zip(plan.entries, written):
            print(f"  {e.gain_db:+7.2f} dB  {e.name}  ({e.level_lufs:.1f} LUFS, true peak {e.true_peak_dbtp:+.1f} -> "
                  f"{e.matched_true_peak_dbtp:+.1f} dBTP)  -> {path}")
    return 0
