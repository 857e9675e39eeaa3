"""Benchmark: ``masteraid master`` against Matchering on the same raw / pre-treat pairs, in one run.

Real music from Debian game-music packages (``apt-get install hyperrogue-music asc-music``) is made
into pairs with ffmpeg: the *raw* is the track at a mix level with headroom; the *pre-treat* is the
raw through ffmpeg's EQ (bass / treble / equalizer), compressor (acompressor), limiter (alimiter)
and a hard clipper (asoftclip=hard) after a boost — like a mixer's heavy bus chain, it clips, limits
hard and peaks above -1 dBTP.

For each pair and each tool it reports: wall time and peak memory (``/usr/bin/time -v``, whole
process); integrated loudness against the target (the pre-treat's); true peak by ffmpeg's
``ebur128=peak=true``; PLR; clipped runs (flat tops, the audit's meter); tonal distance to the
pre-treat (RMS over 1/3-octave bands 31.5 Hz..16 kHz of the level differences after loudness
normalization; bands where the raw has no music, 60 dB under its loudness, are left out: there the
pre-treat holds only its clipping products); the compare's distortion residual (raw against output); the output's rate.

One more ``masteraid master`` run per pair (untimed) aims at the pre-treat's PLR rather than its loudness
(the target lowered by what the pre-treat's true peak exceeds -1 dBTP): its residual is ours with the
limiter working as hard as the pre-treat's chain did, which tells the lower ceiling's share of our
residual from the limiter's own.

``--long`` also masters a 60-minute file (the first track looped) without a reference, to show
the memory bound. Matchering refuses files over 15 minutes, so it is not run on that one.

Usage::

    pip install matchering            # only for this benchmark
    python benchmarks/bench_master.py [--work DIR] [--long] [--json FILE]

Timings taken while other work runs on the machine are noisy; read the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TRACKS = [
    ("/usr/share/hyperrogue/music/hr3-hell.ogg", 48000),
    ("/usr/share/hyperrogue/music/hr3-rlyeh.ogg", 44100),
    ("/usr/share/games/asc/music/machine_wars.mp3", 48000),
]

#: The pre-treat: a heavy bus chain, ending in a boost into a hard clipper (flat tops above -1 dBTP).
PRETREAT_FILTERS = (
    "bass=g=3:f=90:w=0.7,treble=g=2.5:f=7000:w=0.7,equalizer=f=450:t=q:w=1.2:g=-2.5,"
    "acompressor=threshold=0.1:ratio=3:attack=8:release=120:makeup=2,"
    "alimiter=limit=0.89:level_in=1.8:attack=3:release=40:level=disabled,"
    "volume=2dB,asoftclip=type=hard"
)


def run_timed(cmd: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run a command under ``/usr/bin/time -v``: (seconds, peak RSS in MB, completed process)."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    rss = int(m.group(1)) / 1024 if m else float("nan")
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return dt, rss, p


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def make_pair(src: str, rate: int, work: Path) -> tuple[Path, Path]:
    stem = Path(src).stem
    raw, pre = work / f"{stem} - raw.wav", work / f"{stem} - pretreat.wav"
    if not raw.exists():
        tmp = work / f"{stem}.tmp.wav"
        ffmpeg("-i", src, "-ar", str(rate), "-ac", "2", "-c:a", "pcm_f32le", str(tmp))
        peak = ffmpeg_levels(tmp)["sample_peak_dbfs"]
        # a raw mix with headroom: sample peak at -6 dBFS
        ffmpeg("-i", str(tmp), "-af", f"volume={-6.0 - peak:.3f}dB", "-c:a", "pcm_s24le", str(raw))
        tmp.unlink()
    if not pre.exists():
        ffmpeg("-i", str(raw), "-af", PRETREAT_FILTERS, "-c:a", "pcm_s24le", str(pre))
    return raw, pre


def ffmpeg_levels(path: Path) -> dict:
    """Integrated loudness and true peak by ffmpeg's ``ebur128=peak=true`` (and sample peak)."""
    p = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true+sample", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )
    tail = p.stderr[p.stderr.rfind("Summary:"):]
    i = float(re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", tail).group(1))
    tp = re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", tail)
    sp = re.search(r"Sample peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", tail)
    return {
        "integrated_lufs": i,
        "true_peak_dbtp": float(tp.group(1)) if tp else float("nan"),
        "sample_peak_dbfs": float(sp.group(1)) if sp else float("nan"),
    }


def precise_lufs(path: Path) -> float:
    """Integrated loudness by libebur128 (pyebur128), streamed: ffmpeg's summary prints one decimal only."""
    import pyebur128 as pe
    import soundfile as sf

    with sf.SoundFile(str(path)) as f:
        st = pe.R128State(f.channels, f.samplerate, pe.MeasurementMode.MODE_I)
        while True:
            b = f.read(1 << 18, dtype="float64", always_2d=True)
            if not b.shape[0]:
                break
            st.add_frames(np.ascontiguousarray(b.ravel()), b.shape[0])
    return float(pe.get_loudness_global(st))


def tonal_levels(m) -> tuple[np.ndarray, np.ndarray]:
    """1/3-octave band levels relative to the integrated loudness (loudness-normalized)."""
    return np.asarray(m.spectrum.bands_hz), np.asarray(m.spectrum.band_levels_db) - m.loudness.integrated_lufs


#: Bands where the raw is this far under its loudness (dB) hold no music (e.g. above an MP3's cut-off):
#: there the pre-treat's level is its own clipping products, not tone, so they are left out.
NO_CONTENT_DB = -60.0


def tonal_distance(a, b, raw) -> float:
    """RMS over 1/3-octave bands (31.5 Hz..16 kHz, bands with music in the raw) of the
    loudness-normalized level differences between ``a`` and ``b``, dB."""
    fa, la = tonal_levels(a)
    fb, lb = tonal_levels(b)
    fr, lr = tonal_levels(raw)
    d = []
    for i, f in enumerate(fa):
        j, k = int(np.argmin(np.abs(fb - f))), int(np.argmin(np.abs(fr - f)))
        if 31.0 <= f <= 16500.0 and abs(fb[j] - f) < 1.0 and abs(fr[k] - f) < 1.0 and lr[k] > NO_CONTENT_DB:
            d.append(la[i] - lb[j])
    d = np.array(d)
    d = d[np.isfinite(d)]
    return float(np.sqrt(np.mean(d**2)))


def measure_output(out: Path, raw: Path, pre_m, target: float, raw_m) -> dict:
    from masteraid.analysis import analyze
    from masteraid.compare import compare

    lv = ffmpeg_levels(out)
    m = analyze(out)
    lufs = precise_lufs(out)
    row = {
        "integrated_lufs": lufs,
        "integrated_lufs_ffmpeg": lv["integrated_lufs"],
        "lufs_off_target": lufs - target,
        "true_peak_dbtp_ffmpeg": lv["true_peak_dbtp"],
        "true_peak_dbtp_masteraid": m.peaks.true_peak_dbtp,
        "plr_db": lv["true_peak_dbtp"] - lufs,
        "clip_runs": m.peaks.clip_runs,
        "clipped_samples": m.peaks.clipped_samples,
        "tonal_distance_db": tonal_distance(m, pre_m, raw_m),
        "sample_rate_hz": m.info.sample_rate_hz,
    }
    try:
        row["distortion_residual_db"] = compare(raw, out).distortion.residual_db
    except Exception as exc:  # e.g. a different sample rate
        row["distortion_residual_db"] = float("nan")
        row["distortion_note"] = f"{type(exc).__name__}: {exc}"[:200]
    return row


def same_plr_run(raw: Path, pre: Path, work: Path, pre_m, target: float, raw_m, pre_tp: float) -> dict:
    """``masteraid master`` at the pre-treat's PLR instead of its loudness: the target lowered by what the
    pre-treat's true peak exceeds our -1 dBTP ceiling. The limiter then works as hard as the pre-treat's
    bus chain did (the chain before the limiter, and the residual, do not depend on the output level), so
    its residual shows how much of ours is the lower ceiling's and how much the limiter's."""
    from masteraid.chain.design import DEFAULT_CEILING_DBTP

    low = round(target - (pre_tp - DEFAULT_CEILING_DBTP), 2)
    out = work / f"{raw.stem} - masteraid same PLR {int(time.time())}.wav"
    p = subprocess.run([sys.executable, "-m", "masteraid.cli", "master", str(raw), "--reference", str(pre),
                        "--target-lufs", str(low), "--out", str(out), "--chain", str(out.with_suffix(".json")), "--json"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return {"target_lufs": low, "error": (p.stderr or p.stdout).strip()[:200]}
    row = {"target_lufs": low, **measure_output(out, raw, pre_m, low, raw_m)}
    out.unlink(missing_ok=True)
    out.with_suffix(".json").unlink(missing_ok=True)
    return row


MATCHERING_SCRIPT = (
    "import sys, matchering as mg; mg.log(print); "
    "mg.process(target=sys.argv[1], reference=sys.argv[2], results=[mg.pcm24(sys.argv[3])])"
)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", help="folder for the pairs and outputs (default: a new temporary folder)")
    ap.add_argument("--long", action="store_true", help="also master a 60-minute file (memory bound)")
    ap.add_argument("--json", help="also write the results as JSON to this file")
    ap.add_argument("--tracks", type=int, default=len(TRACKS), help="how many of the tracks to run")
    ap.add_argument("--repeat", type=int, default=1,
                    help="time each tool this many times, interleaved (ours, Matchering, ours, ...), and report the "
                         "medians: the VM's speed drifts within minutes")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    work = Path(args.work or tempfile.mkdtemp(prefix="masteraid-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    from masteraid.compare import compare

    results = []
    for src, rate in TRACKS[: args.tracks]:
        if not os.path.exists(src):
            print(f"skip {src}: not installed (apt-get install hyperrogue-music asc-music)", file=sys.stderr)
            continue
        raw, pre = make_pair(src, rate, work)
        pre_lv = ffmpeg_levels(pre)
        base = compare(raw, pre)
        pre_m = base.pretreat
        target = precise_lufs(pre)
        entry = {
            "track": Path(src).name,
            "duration_s": pre_m.info.duration_s,
            "rate_hz": rate,
            "pretreat": {
                "integrated_lufs": target,
                "true_peak_dbtp_ffmpeg": pre_lv["true_peak_dbtp"],
                "plr_db": pre_lv["true_peak_dbtp"] - target,
                "clip_runs": pre_m.peaks.clip_runs,
                "clipped_samples": pre_m.peaks.clipped_samples,
                "distortion_residual_db": base.distortion.residual_db,
            },
        }
        runs: dict = {"masteraid": [], "matchering": []}  # (time, rss, output, stdout) per run
        for i in range(args.repeat):
            out_ma = work / f"{raw.stem} - masteraid {int(time.time())}-{i}.wav"
            dt, rss, p = run_timed([sys.executable, "-m", "masteraid.cli", "master", str(raw), "--reference", str(pre),
                                    "--out", str(out_ma), "--chain", str(out_ma.with_suffix(".json")), "--json"])
            runs["masteraid"].append((dt, rss, out_ma, p.stdout))
            out_mg = work / f"{raw.stem} - matchering {int(time.time())}-{i}.wav"
            dt, rss, _ = run_timed([sys.executable, "-c", MATCHERING_SCRIPT, str(raw), str(pre), str(out_mg)])
            runs["matchering"].append((dt, rss, out_mg, None))
        # quality from the first run of each (the outputs do not depend on the run); time: the median
        (_, _, out_ma, stdout), (_, _, out_mg, _) = runs["masteraid"][0], runs["matchering"][0]
        for tool in runs:
            for _, _, out, _ in runs[tool][1:]:
                out.unlink(missing_ok=True)
                out.with_suffix(".json").unlink(missing_ok=True)
        doc = json.loads(stdout)
        timing = {tool: {"time_s": float(np.median([r[0] for r in rs])), "times_s": [r[0] for r in rs],
                         "peak_rss_mb": max(r[1] for r in rs)} for tool, rs in runs.items()}
        entry["masteraid"] = {**timing["masteraid"], "loudness_iterations": doc["render"]["loudness_iterations"],
                              "final_passes": doc["render"]["final_passes"],
                              "measure_s": doc["render"]["timings_s"]["measure"],
                              "render_s": doc["render"]["timings_s"]["design_and_render"],
                              **measure_output(out_ma, raw, pre_m, target, base.raw)}
        entry["matchering"] = {**timing["matchering"], **measure_output(out_mg, raw, pre_m, target, base.raw)}
        entry["same_plr"] = same_plr_run(raw, pre, work, pre_m, target, base.raw, pre_lv["true_peak_dbtp"])
        entry["speedup"] = entry["matchering"]["time_s"] / entry["masteraid"]["time_s"]
        entry["speedups"] = [b[0] / a[0] for a, b in zip(runs["masteraid"], runs["matchering"])]
        results.append(entry)
        print_entry(entry)

    long_entry = None
    if args.long and results:
        src_raw = work / f"{Path(TRACKS[0][0]).stem} - raw.wav"
        long_raw = work / "long60 - raw.wav"
        if not long_raw.exists():
            ffmpeg("-stream_loop", "-1", "-i", str(src_raw), "-t", "3600", "-c:a", "pcm_s24le", str(long_raw))
        out_long = work / f"long60 - master {int(time.time())}.wav"
        dt, rss, p = run_timed([sys.executable, "-m", "masteraid.cli", "master", str(long_raw), "--out", str(out_long),
                                "--chain", str(out_long.with_suffix(".json")), "--json"])
        doc = json.loads(p.stdout)
        lv = ffmpeg_levels(out_long)
        long_entry = {"duration_s": 3600.0, "time_s": dt, "peak_rss_mb": rss, "target_lufs": doc["spec"]["target_lufs"],
                      "integrated_lufs_ffmpeg": lv["integrated_lufs"], "true_peak_dbtp_ffmpeg": lv["true_peak_dbtp"],
                      "loudness_iterations": doc["render"]["loudness_iterations"],
                      "measure_s": doc["render"]["timings_s"]["measure"],
                      "render_s": doc["render"]["timings_s"]["design_and_render"]}
        print(f"\n60-minute file, no reference: {dt:.1f} s, peak RSS {rss:.0f} MB, "
              f"{lv['integrated_lufs']:.2f} LUFS (target {long_entry['target_lufs']}), TP {lv['true_peak_dbtp']:.2f} dBTP (ffmpeg); "
              f"analyze {long_entry['measure_s']:.1f} s, design+render {long_entry['render_s']:.1f} s")
        out_long.unlink(missing_ok=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"pairs": results, "long": long_entry}, indent=2))
    return 0


def print_entry(e: dict) -> None:
    print(f"\n== {e['track']} ({e['duration_s'] / 60:.1f} min, {e['rate_hz']} Hz) — target {e['pretreat']['integrated_lufs']:.2f} LUFS")
    p = e["pretreat"]
    print(f"  pre-treat : TP {p['true_peak_dbtp_ffmpeg']:+.2f} dBTP  PLR {p['plr_db']:.2f} dB  clip runs {p['clip_runs']}  "
          f"residual {p['distortion_residual_db']:.1f} dB")
    for tool in ("masteraid", "matchering"):
        r = e[tool]
        print(
            f"  {tool:<10}: {r['time_s']:6.1f} s {r['peak_rss_mb']:6.0f} MB  {r['integrated_lufs']:.2f} LUFS "
            f"({r['lufs_off_target']:+.2f} LU)  TP {r['true_peak_dbtp_ffmpeg']:+.2f} dBTP (ffmpeg)  PLR {r['plr_db']:.2f} dB  "
            f"clip runs {r['clip_runs']}  tonal dist {r['tonal_distance_db']:.2f} dB  residual {r['distortion_residual_db']:.1f} dB  "
            f"{r['sample_rate_hz']} Hz"
            + (f"  predictions {r['loudness_iterations']}, renders {r['final_passes']}; "
               f"measure+compare {r['measure_s']:.1f} s, design+render {r['render_s']:.1f} s" if "loudness_iterations" in r else "")
        )
    from masteraid.chain.design import DEFAULT_CEILING_DBTP

    r = e.get("same_plr")
    if r and "error" not in r:
        print(f"  same PLR  : masteraid at {r['target_lufs']:.2f} LUFS (the pre-treat's PLR under {DEFAULT_CEILING_DBTP:.0f} dBTP): "
              f"TP {r['true_peak_dbtp_ffmpeg']:+.2f} dBTP  PLR {r['plr_db']:.2f} dB  clip runs {r['clip_runs']}  "
              f"residual {r['distortion_residual_db']:.1f} dB")
    elif r:
        print(f"  same PLR  : failed: {r['error']}")
    n = len(e["speedups"])
    print(f"  speed-up  : {e['speedup']:.1f}x faster than Matchering"
          + (f" (medians of {n} interleaved runs; per run {', '.join(f'{v:.1f}x' for v in e['speedups'])})" if n > 1 else ""))
    minutes = e["duration_s"] / 60  # Matchering's cost per minute depends on the rate (it resamples to 44.1 kHz)
    print(f"  per minute: masteraid {e['masteraid']['time_s'] / minutes:.2f} s, matchering "
          f"{e['matchering']['time_s'] / minutes:.2f} s of processing per minute of audio")


if __name__ == "__main__":
    sys.exit(main())
