"""``masteraid compare RAW PRETREAT [--json] [--report DIR] [--label NAME]``.

Compares the two renders (:func:`masteraid.compare.compare`) and prints the text report, or with
``--json`` the comparison document (:func:`masteraid.compare.comparison_document`: alignment,
loudness, tonal, dynamics, stereo, distortion, match, streaming, findings). ``--report DIR`` also
writes the text report as ``<raw stem> - compare.txt``, the document as ``<raw stem> - compare.json``
and the page with plots (:func:`masteraid.report.html.render_compare_html`) as ``<raw stem> -
compare.html`` into DIR, under new names if those are taken (all three, or none). ``--label NAME``
is what the findings and reports call the second file ("pre-treat" unless told: ``--label master``
when it is a master, to see what the mastering chain did).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..audio import open_source
from ..compare import compare, comparison_document
from ..report.compare import render_compare_text
from ..report.html import render_compare_html
from ..serialize import dumps
from ._common import check_report_dir, print_json, progress_to_stderr, write_reports

__all__ = ["compare_command"]


def compare_command(args: argparse.Namespace) -> int:
    """Run ``masteraid compare``; returns the exit code."""
    report_dir = check_report_dir(getattr(args, "report", None))
    raw, pre = open_source(args.raw), open_source(args.pretreat)  # both headers checked before any work
    c = compare(raw, pre, progress=progress_to_stderr, label=getattr(args, "label", "pre-treat"))
    text = render_compare_text(c)
    doc = comparison_document(c)
    if args.json:
        print_json(doc)
    else:
        sys.stdout.write(text)
    if report_dir is not None:
        stem = Path(args.raw).stem
        write_reports(report_dir, stem, ((" - compare.txt", text), (" - compare.json", dumps(doc) + "\n"),
                                         (" - compare.html", render_compare_html(c))))
    return 0
