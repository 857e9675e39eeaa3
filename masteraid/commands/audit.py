"""``masteraid audit FILE [--json] [--report DIR] [--strict]``.

Measures one render, runs the delivery rules (:func:`masteraid.audit.check`) and prints either
the text report or, with ``--json``, the audit document (:func:`masteraid.report.audit.audit_document`;
the long momentary / short-term loudness series are left out unless ``args.series`` is set). ``--report DIR`` also writes the
text report as ``<file stem> - audit.txt`` and the page with plots
(:func:`masteraid.report.html.render_audit_html`) as ``<file stem> - audit.html`` into DIR, under new
names if those are taken (both, or neither).

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
from ..report.html import render_audit_html
from ._common import EXIT_OK, EXIT_STRICT, check_report_dir, print_json, progress_to_stderr, write_reports

__all__ = ["audit_command", "run_audit", "write_audit_reports", "REPORT_SUFFIX", "HTML_SUFFIX"]

#: The reports' file names are ``<stem> - audit.txt`` and ``<stem> - audit.html``.
REPORT_SUFFIX = " - audit.txt"
HTML_SUFFIX = " - audit.html"


def run_audit(path, *, progress=None):
    """Open, measure and audit one file: ``(measurements, findings)``. Raises on bad input."""
    from ..analysis import analyze

    source = open_source(path)  # header checked here, before any long work
    m = analyze(source, progress=progress)
    return m, check(m)


def write_audit_reports(folder: Path, stem: str, m, findings, text: str) -> list:
    """Write ``<stem> - audit.txt`` (``text``) and ``<stem> - audit.html`` into ``folder`` under free
    names, both or neither; says where on stderr and returns the paths."""
    return write_reports(folder, stem, ((REPORT_SUFFIX, text), (HTML_SUFFIX, render_audit_html(m, findings))))


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
        write_audit_reports(report_dir, Path(args.file).stem, m, findings, text)
    if getattr(args, "strict", False) and any(f.severity == "error" for f in findings):
        return EXIT_STRICT
    return EXIT_OK
