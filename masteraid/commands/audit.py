"""``masteraid audit FILE [--json] [--report DIR] [--strict]``.

Measures one render, runs the delivery rules (:func:`masteraid.audit.check`) and prints either
the text report or, with ``--json``, the audit document (:func:`masteraid.report.audit.audit_document`;
the long momentary / short-term loudness series are left out unless ``args.series`` is set). ``--report DIR`` also writes the
text report as ``<file stem> - audit.txt`` into DIR, under a new name if that one is taken.

Exit 0 when the file was measured, whatever the findings; with ``--strict``, 3 when any finding
is an error. Bad input raises a :class:`~masteraid.errors.MasterAidError` (exit 1 in :mod:`masteraid.cli`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..audio import open_source
from ..audit import check
from ..report.audit import audit_document, render_audit_text
from ._common import EXIT_OK, EXIT_STRICT, check_report_dir, print_json, progress_to_stderr, write_report

__all__ = ["audit_command", "run_audit", "REPORT_SUFFIX"]

#: The report's file name is ``<stem> - audit.txt``.
REPORT_SUFFIX = " - audit.txt"


def run_audit(path, *, progress=None):
    """Open, measure and audit one file: ``(measurements, findings)``. Raises on bad input."""
    from ..analysis import analyze

    source = open_source(path)  # header checked here, before any long work
    m = analyze(source, progress=progress)
    return m, check(m)


def audit_command(args: argparse.Namespace) -> int:
    """Run ``masteraid audit``; returns the exit code."""
    report_dir = check_report_dir(getattr(args, "report", None))
    source = open_source(args.file)
    m, findings = run_audit(source, progress=progress_to_stderr)
    text = render_audit_text(m, findings)
    if args.json:
        # the loudness series (10 values/s each) only on request: a ``--series`` flag, if cli.py defines one
        print_json(audit_document(m, findings, include_series=bool(getattr(args, "series", False))))
    else:
        sys.stdout.write(text)
    if report_dir is not None:
        written = write_report(report_dir, Path(args.file).stem + REPORT_SUFFIX, text)
        print(f"masteraid: report written to {written}", file=sys.stderr)
    if getattr(args, "strict", False) and any(f.severity == "error" for f in findings):
        return EXIT_STRICT
    return EXIT_OK
