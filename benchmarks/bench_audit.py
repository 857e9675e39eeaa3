"""Benchmark: ``masteraid audit --json`` against ffmpeg's ebur128 and pyloudnorm, whole processes.

Makes a 5-minute and a 60-minute 48 kHz stereo 24-bit WAV of the music-like test signal
(``tests/signals.py: music_like``, written 30 s at a time) in ``benchmarks/_work/`` (git-ignored;
reused when present), then times, on each file and in the same run:

* ``masteraid audit --json FILE`` — the full one-pass analysis, start-up included;
* ``ffmpeg -nostats -i FILE -filter_complex ebur128=peak=true -f null -`` — loudness + true peak;
* pyloudnorm's integrated loudness alone (``soundfile.read`` + ``Meter.integrated_loudness``).

Each command runs under ``/usr/bin/time -v``: wall time (median of ``--repeat`` runs) and peak
resident memory (largest of the runs). Ratios are MasterAid's time over the reference's.

Usage::

    python benchmarks/bench_audit.py [--repeat N] [--repeat-long N] [--short-only] [--no-pyloudnorm-long] [--analyze-only]

``--analyze-only`` times ``python -c "from masteraid.analysis import analyze; analyze(F)"``
instead of the audit command. Timings taken while other work runs on the machine are noisy;
read the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "_work"
RATE = 48000


def make_file(minutes: int) -> Path:
    """The music-like test file of that length (made once, then reused)."""
    import soundfile as sf

    sys.path.insert(0, str(ROOT))
    from tests.signals import music_like

    path = WORK / f"music_{minutes}min_48k.wav"
    if path.exists():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.wav")
    print(f"making {path.name} ...", file=sys.stderr)
    with sf.SoundFile(tmp, "w", samplerate=RATE, channels=2, subtype="PCM_24", format="WAV") as f:
        for k in range(minutes * 2):
            f.write(np.clip(music_like(30.0, RATE, 2, seed=k, level_db=-20.0), -1.0, 1.0))
    os.replace(tmp, path)
    return path


def run_timed(cmd: list[str]) -> tuple[float, float]:
    """Run under ``/usr/bin/time -v``: (wall seconds, peak RSS in MB). Raises if the command fails."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr[-800:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return wall, (int(m.group(1)) / 1024.0 if m else float("nan"))


def commands(path: Path, analyze_only: bool) -> dict[str, list[str]]:
    py = sys.executable
    if analyze_only:
        ours = [py, "-c", f"from masteraid.analysis import analyze; analyze({str(path)!r})"]
    else:
        ours = [py, "-m", "masteraid.cli", "audit", "--json", str(path)]
    return {
        "masteraid": ours,
        "ffmpeg": ["ffmpeg", "-nostats", "-hide_banner", "-i", str(path), "-filter_complex", "ebur128=peak=true", "-f", "null", "-"],
        "pyloudnorm": [
            py,
            "-c",
            "import soundfile as sf, pyloudnorm as pyln; x, r = sf.read(%r); print(pyln.Meter(r).integrated_loudness(x))" % str(path),
        ],
    }


def bench(path: Path, repeat: int, skip: set[str], analyze_only: bool) -> dict[str, tuple[float, float]]:
    out = {}
    # Warm the page cache first: otherwise whichever tool runs first pays for the disk (a 1 GB file
    # here), which made a single-run comparison depend on the order of the tools.
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass
    cmds = commands(path, analyze_only)
    for name, cmd in cmds.items():
        if name in skip:
            continue
        runs = [run_timed(cmd) for _ in range(repeat)]
        out[name] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per command on the 5-minute file (median time); default 3")
    ap.add_argument("--repeat-long", type=int, default=1, help="runs per command on the 60-minute file; default 1")
    ap.add_argument("--short-only", action="store_true", help="only the 5-minute file")
    ap.add_argument("--no-pyloudnorm-long", action="store_true", help="skip pyloudnorm on the 60-minute file (6.5 GB)")
    ap.add_argument("--analyze-only", action="store_true", help="time analyze() instead of the audit command")
    args = ap.parse_args(argv)
    files = [(5, make_file(5))]
    if not args.short_only:
        files.append((60, make_file(60)))
    label = "analyze()" if args.analyze_only else "masteraid audit --json"
    print(f"MasterAid = {label}; median of {args.repeat} (5 min) / {args.repeat_long} (60 min) runs; peak RSS;"
          " machine load makes seconds noisy")
    for minutes, path in files:
        skip = {"pyloudnorm"} if (minutes == 60 and args.no_pyloudnorm_long) else set()
        res = bench(path, args.repeat if minutes == 5 else args.repeat_long, skip, args.analyze_only)
        print(f"\n{path.name} ({minutes} min, 48 kHz stereo PCM_24)")
        for name, (sec, mb) in res.items():
            print(f"  {name:<11} {sec:7.2f} s  {mb:7.0f} MB")
        ours = res["masteraid"][0]
        for ref in ("ffmpeg", "pyloudnorm"):
            if ref in res:
                print(f"  MasterAid / {ref}: {ours / res[ref][0]:.2f}x time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
