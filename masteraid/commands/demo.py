"""``masteraid demo [--out DIR]``: the whole flow on the bundled example mix.

The example is a raw render and its pre-treated version (``examples/example_raw.flac`` and
``examples/example_pretreat.flac``, made with a known bus chain, see ``masteraid/examples/README.md``).
The demo runs, in order, what a mastering engineer who received those two files would:

1. ``audit`` of both (is each ready for mastering?);
2. ``compare`` (what did the pre-treat do?), report written to the output folder;
3. ``match`` (loudness-matched copies for a fair A/B, plus the streaming preview);
4. ``master`` (a chain designed from the raw aiming at the pre-treat's loudness and tone), the
   master and its chain spec written to the output folder.

Outputs go to ``--out DIR`` (it must exist) or to a new temporary folder whose path is printed;
nothing is ever overwritten.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import ExitStack
from importlib import resources
from pathlib import Path

from ..errors import AudioFileError
from ..report.audit import render_audit_text
from .audit import run_audit, write_audit_reports
from ..audio import unique_path
from ._common import check_report_dir, progress_to_stderr

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


def _section(title: str) -> None:
    sys.stdout.write(f"\n{'=' * 78}\n{title}\n{'=' * 78}\n\n")
    sys.stdout.flush()


def demo_command(args: argparse.Namespace) -> int:
    """Run ``masteraid demo``; returns the exit code."""
    from .compare import compare_command
    from .master import MASTER_SUFFIX, master_command
    from .match import match_command

    out_dir = check_report_dir(getattr(args, "out", None), what="output")
    if out_dir is None:
        out_dir = Path(tempfile.mkdtemp(prefix="masteraid-demo-"))
    with ExitStack() as stack:
        raw, pretreat = example_paths(stack)
        _section("1. Audit: is each render ready for mastering?")
        _audit_both((raw, pretreat), out_dir)
        _section("2. Compare: what did the pre-treat (bus processing) do?")
        compare_command(argparse.Namespace(raw=str(raw), pretreat=str(pretreat), json=False, report=str(out_dir)))
        _section("3. Match: loudness-matched copies for a fair A/B")
        match_command(
            argparse.Namespace(files=[str(raw), str(pretreat)], out=str(out_dir), by="integrated", start=None,
                               end=None, json=False)
        )
        _section("4. Master: a chain from the raw, aiming at the pre-treat's loudness and tone")
        master_command(
            argparse.Namespace(raw=str(raw), reference=str(pretreat), target_lufs=None, ceiling_dbtp=None,
                               out=str(unique_path(out_dir / (raw.stem + MASTER_SUFFIX))), chain=None, json=False)
        )
    sys.stdout.write(f"\nAll outputs are in {out_dir}\n")
    return 0


def _audit_both(paths, out_dir: Path) -> None:
    """Print the audit of each example render and write its reports (text, HTML) into ``out_dir``."""
    roles = ("raw mix (no bus processing)", "pre-treated mix (bus chain on)")
    for i, (path, role) in enumerate(zip(paths, roles)):
        m, findings = run_audit(path, progress=progress_to_stderr)
        text = render_audit_text(m, findings)
        if i:
            sys.stdout.write("\n")
        sys.stdout.write(f"### {role}: {path.name}\n\n")
        sys.stdout.write(text)
        write_audit_reports(out_dir, path.stem, m, findings, text)
