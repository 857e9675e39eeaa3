"""Benchmark: ``masteraid.compare`` (including the full measurement of both renders) against
ffmpeg's ``ebur128=peak=true`` measuring the same two files, in one run.

Two 5-minute 48 kHz stereo renders are synthesized (a raw mix and a pre-treat through a shelf EQ, a
compressor-like gain ride, a clipper and 256 samples of latency) and written as 24-bit WAV into a
temporary folder. Each tool runs ``--repeat`` times; the best time of each is reported, and the ratio
compare / ffmpeg (below 1: compare is faster than ffmpeg measuring the two files). Timings on a shared
machine are noisy; run it on a quiet one for numbers to quote.

    python benchmarks/bench_compare.py [--seconds 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.signal import lfilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from masteraid.audio import write  # noqa: E402
from masteraid.compare import compare  # noqa: E402
from tests.signals import music_like  # noqa: E402


def _renders(seconds: float, rate: int):
    raw = music_like(seconds, rate, seed=1).astype(np.float64)
    # pre-treat: +3 dB high shelf-ish (one-pole high boost), a slow gain ride, clipper, latency
    hp = lfilter([1, -1], [1, -0.9], raw, axis=0) * 0.3
    pre = raw + hp
    t = np.arange(raw.shape[0]) / rate
    pre *= (10 ** ((6 - 3 * (0.5 + 0.5 * np.sin(2 * np.pi * 0.25 * t))) / 20))[:, None]
    pre = np.clip(pre * 4, -0.98, 0.98)
    pre = np.concatenate((np.zeros((256, pre.shape[1])), pre[:-256]))
    return raw, pre


def _ffmpeg(ffmpeg: str, path: Path) -> None:
    subprocess.run([ffmpeg, "-nostats", "-hide_banner", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=300.0)
    ap.add_argument("--rate", type=int, default=48000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        print("ffmpeg not found", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        raw, pre = _renders(args.seconds, args.rate)
        rp = write(Path(tmp) / "raw.wav", raw, args.rate, subtype="PCM_24")
        pp = write(Path(tmp) / "pretreat.wav", pre, args.rate, subtype="PCM_24")
        del raw, pre
        from masteraid.analysis import analyze

        t_ff, t_ma, t_an, t_cli, rss = [], [], [], [], []
        c = None
        cli = [sys.executable, "-m", "masteraid.cli", "compare", str(rp), str(pp), "--json"]
        streamed = [sys.executable, "-c", f"from masteraid.compare import compare; compare({str(rp)!r}, {str(pp)!r}, memory_limit_mb=0)"]
        t_st, rss_st = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            _ffmpeg(ffmpeg, rp)
            _ffmpeg(ffmpeg, pp)
            t_ff.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            c = compare(rp, pp)
            t_ma.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            analyze(rp)
            analyze(pp)
            t_an.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            done = subprocess.run(["/usr/bin/time", "-f", "%M", *cli], capture_output=True, text=True, check=True)
            t_cli.append(time.perf_counter() - t0)
            rss.append(int(done.stderr.strip().splitlines()[-1]) / 1024)
            t0 = time.perf_counter()
            done = subprocess.run(["/usr/bin/time", "-f", "%M", *streamed], capture_output=True, text=True, check=True)
            t_st.append(time.perf_counter() - t0)
            rss_st.append(int(done.stderr.strip().splitlines()[-1]) / 1024)
        ff, ma, an, cl = min(t_ff), min(t_ma), min(t_an), min(t_cli)
        print(f"input: 2 x {args.seconds:g} s, {args.rate} Hz stereo, 24-bit WAV")
        print(f"ffmpeg ebur128=peak=true, both files: best {ff:.2f} s  (all: {', '.join(f'{x:.2f}' for x in t_ff)})")
        print(f"masteraid compare (incl. analyze x2): best {ma:.2f} s  (all: {', '.join(f'{x:.2f}' for x in t_ma)})")
        print(f"  of which analyze() of both files alone (one after the other): best {an:.2f} s")
        print(f"masteraid compare CLI, whole process (start-up, JSON): best {cl:.2f} s, peak RSS {max(rss):.0f} MB")
        print(f"compare streamed (memory_limit_mb=0), whole process: best {min(t_st):.2f} s, peak RSS {max(rss_st):.0f} MB")
        print(f"ratio compare / ffmpeg: {ma / ff:.2f}   (whole process: {cl / ff:.2f}; analyze x2 / ffmpeg: {an / ff:.2f})")
        print(f"check: latency {c.alignment.latency_samples} samples (expected 256), loudness delta {c.loudness_delta_lu:+.1f} LU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
