"""Benchmark: the true-peak meter of a git revision (default HEAD) against the working tree's, in CPU time.

For each file, interleaved (base, new, base, new, ...) in one process with one BLAS thread (as
:func:`masteraid.analysis.analyze` runs it):

* ``truepeak``: the true-peak part alone (``_TruePeak``), fed the whole file in 65536-frame
  channel-major blocks (file read once, before timing);
* ``meter``: the whole ``PeaksMeter`` (sample peak, clipping, ceiling hits, DC too), same blocks;
* ``analyze``: ``masteraid.analysis.analyze(FILE)`` with ``analysis.PeaksMeter`` set to the base or
  the new meter (the whole audit's measurement, reading included).

Prints the median ``time.process_time()`` of ``--repeat`` runs of each, and checks that both meters
give the same true peak per channel (largest difference printed, relative), the same overs, clipped
samples and ceiling hits.

Usage::

    python benchmarks/bench_truepeak.py [--base REV] [--repeat N] [--no-analyze] FILE...
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import masteraid.analysis as analysis  # noqa: E402
from masteraid._blas import single_threaded_blas  # noqa: E402
from masteraid.analysis import peaks as new  # noqa: E402


def load_base(rev: str):
    """``masteraid/analysis/peaks.py`` at ``rev``, imported as a sibling module (relative imports work)."""
    src = subprocess.run(["git", "show", f"{rev}:masteraid/analysis/peaks.py"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "peaks_base.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("masteraid.analysis._peaks_base", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def meter_run(mod, blocks, rate):
    m = mod.PeaksMeter(rate, blocks[0].shape[0])
    for b in blocks:
        m.feed_t(b)
    return m.result()


def truepeak_run(mod, blocks, rate):
    tp = mod._TruePeak(rate, blocks[0].shape[0])
    for b in blocks:
        tp.feed_t(b, np.abs(b))
    return tp.finish()


def analyze_run(mod, path):
    analysis.PeaksMeter = mod.PeaksMeter
    try:
        return analysis.analyze(path).peaks
    finally:
        analysis.PeaksMeter = new.PeaksMeter


def cpu(f, *args):
    t = time.process_time()
    r = f(*args)
    return time.process_time() - t, r


def difference(a, b) -> str:
    """How the base's result ``a`` differs from the new ``b``: 'same' or what differs."""
    if isinstance(a, tuple):  # _TruePeak.finish(): (peaks, overs)
        rel = float(np.max(np.abs(a[0] - b[0]) / np.maximum(np.abs(a[0]), 1e-300)))
        same = np.array_equal(a[1], b[1])
    else:
        pa, pb = 10 ** (np.array(a.channel_true_peak_dbtp) / 20), 10 ** (np.array(b.channel_true_peak_dbtp) / 20)
        rel = float(np.max(np.abs(pa - pb) / np.maximum(pa, 1e-300)))
        same = (a.intersample_overs, a.clipped_samples, a.clip_runs, a.ceiling_hits_per_min) == (
            b.intersample_overs, b.clipped_samples, b.clip_runs, b.ceiling_hits_per_min)
    return f"true peak rel. diff {rel:.1e}, " + ("counts same" if same else "COUNTS DIFFER")


def summary(r) -> str:
    if isinstance(r, tuple):
        return f"TP {20 * np.log10(r[0].max()):.4f} dBTP, overs {int(r[1].sum())}"
    return f"TP {r.true_peak_dbtp:.4f} dBTP, overs {r.intersample_overs}, clipped {r.clipped_samples}"


def main() -> None:
    import soundfile as sf

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--base", default="HEAD")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-analyze", action="store_true")
    args = ap.parse_args()
    base = load_base(args.base)
    mods = {"base": base, "new": new}
    with single_threaded_blas():
        for path in args.files:
            x, rate = sf.read(path, dtype="float64", always_2d=True)
            blocks = [np.ascontiguousarray(x[i : i + 65536].T) for i in range(0, x.shape[0], 65536)]
            del x
            jobs = {"truepeak": lambda m: truepeak_run(m, blocks, rate), "meter": lambda m: meter_run(m, blocks, rate)}
            if not args.no_analyze:
                jobs["analyze"] = lambda m: analyze_run(m, path)
            for job, f in jobs.items():
                times = {k: [] for k in mods}
                res = {}
                for _ in range(args.repeat):
                    for k, m in mods.items():
                        t, res[k] = cpu(f, m)
                        times[k].append(t)
                tb, tn = statistics.median(times["base"]), statistics.median(times["new"])
                change = 100 * (tn - tb) / tb
                print(f"{Path(path).name:28s} {job:8s} base {tb:6.3f} s  new {tn:6.3f} s  ({change:+.0f}%)  "
                      f"{difference(res['base'], res['new'])}  ({summary(res['new'])})", flush=True)


if __name__ == "__main__":
    main()
