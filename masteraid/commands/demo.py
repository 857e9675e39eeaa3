"""``masteraid demo [--out DIR]``: run MasterAid on the bundled example mix.

For now the demo audits both bundled renders (``examples/example_raw.flac`` and
``examples/example_pretreat.flac``, see ``masteraid/examples/README.md``) and prints both audits.
With ``--out DIR`` the two text reports are also written into DIR (never overwriting).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from importlib import resources
from pathlib import Path

from ..errors import AudioFileError, MasterAidError
from ..report.audit import render_audit_text
from .audit import REPORT_SUFFIX, run_audit
from ._common import progress_to_stderr, write_report

__all__ = ["demo_command", "example_paths", "EXAMPLE_FILES"]

#: The bundled renders, in the order the demo shows them.
EXAMPLE_FILES = ("example_raw.flac", "example_pretreat.flac")


def example_paths(stack: ExitStack) -> tuple[Path, ...]:
    """Real file paths of the bundled examples, valid while ``stack`` is open (package data may be zipped)."""
    folder = resources.files("masteraid") / "examples"
    paths = []
    for name in EXAMPLE_FILES:
        ref = folder / name
        if not ref.is_file():
            raise AudioFileError(
                f"bundled example {name} is missing from the installation — reinstall masteraid, or run "
                "'python -m masteraid.examples.make_example' to make it"
            )
        paths.append(stack.enter_context(resources.as_file(ref)))
    return tuple(paths)


def _check_out_dir(value: str | None) -> Path | None:
    if value is None:
        return None
    p = Path(value)
    if not p.is_dir():
        raise MasterAidError(f"{p}: output folder does not exist — create it first")
    return p


def demo_command(args: argparse.Namespace) -> int:
    """Run ``masteraid demo``; returns the exit code."""
    out_dir = _check_out_dir(getattr(args, "out", None))
    with ExitStack() as stack:
        paths = example_paths(stack)
        roles = ("raw mix (no bus processing)", "pre-treated mix (bus chain on)")
        for i, (path, role) in enumerate(zip(paths, roles)):
            m, findings = run_audit(path, progress=progress_to_stderr)
            text = render_audit_text(m, findings)
            if i:
                sys.stdout.write("\n")
            sys.stdout.write(f"### {role}: {path.name}\n\n")
            sys.stdout.write(text)
            if out_dir is not None:
                written = write_report(out_dir, path.stem + REPORT_SUFFIX, text)
                print(f"masteraid: report written to {written}", file=sys.stderr)
    return 0
