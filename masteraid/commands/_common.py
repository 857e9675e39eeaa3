"""Helpers shared by the subcommands."""

from __future__ import annotations

import sys
from pathlib import Path

from ..audio import write_text

__all__ = ["EXIT_OK", "EXIT_ERROR", "EXIT_USAGE", "EXIT_STRICT", "check_report_dir", "progress_to_stderr", "print_json", "write_report", "write_reports"]


#: Exit codes of the command line (see masteraid.cli).
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_STRICT = 0, 1, 2, 3


def check_report_dir(value: str | None, *, what: str = "report") -> Path | None:
    """An existing, writable output folder (``--report``, ``--out``), checked before any work starts."""
    if value is None:
        return None
    from ..audio import check_writable_folder

    return check_writable_folder(value, what)


def progress_to_stderr(stage: str, fraction: float) -> None:
    """Progress callback: a one-line progress display on stderr, only on a terminal."""
    if sys.stderr.isatty():
        end = "\n" if fraction >= 1 else ""
        print(f"\r{stage:<24} {fraction * 100:5.1f}%", end=end, file=sys.stderr, flush=True)


def print_json(obj) -> None:
    from ..serialize import dumps

    sys.stdout.write(dumps(obj) + "\n")


def write_reports(folder: Path, stem: str, reports) -> list:
    """Write ``(suffix, text)`` pairs as ``<stem><suffix>`` into ``folder`` under free names, all of them or
    none (:func:`~masteraid.audio.new_files`); says where on stderr and returns the paths."""
    from ..audio import new_files

    with new_files() as written:
        for suffix, text in reports:
            written.append(write_report(folder, stem + suffix, text))
    for path in written:
        print(f"masteraid: report written to {path}", file=sys.stderr)
    return written


def write_report(folder: Path, filename: str, text: str) -> Path:
    """Write a report into ``folder`` under a free name derived from ``filename``; returns the path."""
    from ..audio import unique_path

    return write_text(unique_path(folder / filename), text)
