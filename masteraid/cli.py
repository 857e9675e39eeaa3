"""The ``masteraid`` command: a thin shell over the library.

Exit codes: 0 ok; 1 error (one line on stderr, no traceback unless ``--debug``); 2 usage error;
3 ``audit --strict`` found an error-level finding; 130 interrupted (Ctrl-C), 128 + N stopped by
signal N (SIGTERM 143, SIGHUP 129), temporary files and a half-made set of outputs removed either way.
``--json`` documents go to stdout; messages and progress go to stderr (the MP3 decoder's own lines about a
damaged file are held back: see :func:`run`). Every input path and output location is checked before
work starts.

Each subcommand is one ``_cmd_<name>(args) -> int`` function below, registered in
:func:`build_parser`.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
import warnings
from typing import Sequence

from . import __version__
from ._decoder_noise import filtered_stderr
from .errors import MasterAidError

__all__ = ["main", "run", "build_parser"]

from .commands._common import EXIT_ERROR, EXIT_OK, EXIT_USAGE


def _err(msg: str) -> None:
    try:
        print(f"masteraid: {msg}", file=sys.stderr)
    except (OSError, ValueError):  # stderr gone (a closed terminal): the exit code still says it
        pass


class _Stopped(BaseException):
    """SIGTERM or SIGHUP (a closed terminal, ``kill``), raised where the command is so that its
    ``finally`` blocks remove temporary files as on Ctrl-C; a ``BaseException``, like ``KeyboardInterrupt``,
    so that no ``except Exception`` swallows it."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_stopped(signum, frame) -> None:
    raise _Stopped(signum)


@contextlib.contextmanager
def _stop_signals():
    """SIGTERM and SIGHUP raise :class:`_Stopped` while the command runs (handlers restored after; only
    on the main thread, where Python delivers signals)."""
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            sig = getattr(signal, name, None)
            if sig is not None:
                previous[sig] = signal.signal(sig, _raise_stopped)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# ------------------------------------------------------------------------------------ commands


def _cmd_audit(args: argparse.Namespace) -> int:
    from .commands.audit import audit_command

    return audit_command(args)


def _cmd_compare(args: argparse.Namespace) -> int:
    from .commands.compare import compare_command

    return compare_command(args)


def _cmd_match(args: argparse.Namespace) -> int:
    from .commands.match import match_command

    return match_command(args)


def _cmd_master(args: argparse.Namespace) -> int:
    from .commands.master import master_command

    return master_command(args)


def _cmd_demo(args: argparse.Namespace) -> int:
    from .commands.demo import demo_command

    return demo_command(args)


def _cmd_reaper(args: argparse.Namespace) -> int:
    from .commands.reaper import reaper_command

    return reaper_command(args)


# ------------------------------------------------------------------------------------- parser


def _label(text: str) -> str:
    from .compare.core import check_label
    from .errors import ConfigError

    try:
        return check_label(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="masteraid",
        description="Audit a mix, compare it with its pre-treated version, loudness-match them, and master it.",
    )
    parser.add_argument("--version", action="version", version=f"masteraid {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("audit", help="measure a render and say whether it is ready for mastering")
    p.add_argument("file", help="the render (WAV, AIFF, FLAC, OGG, MP3)")
    p.add_argument("--json", action="store_true", help="print the measurements and findings as JSON")
    p.add_argument("--report", metavar="DIR", help="also write the report as text and as an HTML page with plots into DIR (never overwriting)")
    p.add_argument("--strict", action="store_true", help="exit 3 when any error-level finding is found")
    p.add_argument("--series", action="store_true", help="with --json: include the momentary/short-term loudness series")
    p.set_defaults(func=_cmd_audit)

    p = sub.add_parser("compare", help="say what the pre-treat (bus processing) did to the raw mix")
    p.add_argument("raw", help="the render without the stereo-bus FX")
    p.add_argument("pretreat", help="the render with the stereo-bus FX")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.add_argument("--report", metavar="DIR", help="also write the report as text, JSON and an HTML page with plots into DIR (never overwriting)")
    p.add_argument("--label", metavar="NAME", type=_label, default="pre-treat",
                   help="what the findings and reports call the second render (default: pre-treat; "
                        "e.g. master, to see what a mastering chain did)")
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("match", help="write loudness-matched copies of two or more renders")
    p.add_argument("files", nargs="+", help="renders to match (two or more)")
    p.add_argument("--out", metavar="DIR", required=True, help="folder for the matched 32-bit float WAV copies")
    p.add_argument("--by", choices=("integrated", "short-term-max"), default="integrated", help="what to match")
    p.add_argument("--start", type=float, metavar="S", help="match over a time range starting at S seconds")
    p.add_argument("--end", type=float, metavar="S", help="... ending at S seconds")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.set_defaults(func=_cmd_match)

    p = sub.add_parser("master", help="design and render a mastering chain from the raw render")
    p.add_argument("raw", help="the render without the stereo-bus FX")
    p.add_argument("--reference", metavar="PRETREAT", help="the pre-treated render whose loudness and tone to aim at")
    p.add_argument("--target-lufs", type=float, metavar="L", help="integrated loudness target (default: the reference's, else -14)")
    p.add_argument("--ceiling-dbtp", type=float, metavar="C", help="true-peak ceiling (default -1)")
    p.add_argument("--out", metavar="FILE", help="the master to write (default: '<raw> - master.wav' beside the raw)")
    p.add_argument("--chain", metavar="FILE.json", help="where to write the chain spec (default: beside the master)")
    p.add_argument("--json", action="store_true", help="print the spec and the results as JSON")
    p.set_defaults(func=_cmd_master)

    p = sub.add_parser("demo", help="run the whole flow on the bundled example mix")
    p.add_argument("--out", metavar="DIR", help="folder for the demo's outputs (default: a new temporary folder)")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("reaper", help="install MasterAid's actions into REAPER (or remove them)")
    rsub = p.add_subparsers(dest="reaper_command", metavar="ACTION")
    rsub.required = True
    rp = rsub.add_parser("install", help="copy the actions into <REAPER resource>/Scripts/MasterAid (never overwriting your changes)")
    rp.add_argument("--resource-path", metavar="DIR", help="REAPER's resource folder (default: the platform's; must contain reaper.ini)")
    rp.add_argument("--dry-run", action="store_true", help="say what would be written, write nothing")
    rp.set_defaults(func=_cmd_reaper)
    rp = rsub.add_parser("uninstall", help="remove the files install wrote (files you changed are kept)")
    rp.add_argument("--resource-path", metavar="DIR", help="REAPER's resource folder (default: the platform's; must contain reaper.ini)")
    rp.set_defaults(func=_cmd_reaper)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version exit 0, usage errors exit 2
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(name)s: %(message)s")
    if not args.debug:
        # numpy's overflow / invalid-value warnings (a corrupt float render): the results say n/a or the
        # command refuses the file; the warnings' source lines would only add noise to that
        warnings.simplefilter("ignore", RuntimeWarning)
    if sys.stdout is None:  # started with standard output closed (``>&-``): nowhere to print the results
        _err("error: standard output is closed; redirect it to a file or /dev/null instead")
        return EXIT_ERROR
    try:
        with _stop_signals():
            return int(args.func(args))
    except MasterAidError as exc:
        if args.debug:
            raise
        _err(f"error: {exc}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except _Stopped as stop:
        _err(f"stopped ({signal.Signals(stop.signum).name})")
        return 128 + stop.signum
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:  # the system refused a read or write no check foresaw (a full disk, a closed stream)
        if args.debug:
            raise
        # no file name: the files MasterAid writes name themselves (audio.write_error, DiskArray), so this
        # is a write to a stream, in practice the printed results (stdout on a full disk)
        where = f": {exc.filename}" if getattr(exc, "filename", None) else " (printing the results)"
        _err(f"error: {exc.strerror or exc}{where}")
        return EXIT_ERROR


def run() -> int:
    """The installed ``masteraid`` script: :func:`main` on the process's command line, with the lines the MP3
    decoder (libmpg123, inside libsndfile) prints about a damaged file held back from standard error
    (:mod:`masteraid._decoder_noise`). A command that fails says so in its one line; one that goes on
    ends with a note of how many there were."""
    with filtered_stderr() as noise:
        code = main()
    if noise is not None and noise.count and code != EXIT_ERROR:
        n = noise.count
        _err(f"note: the MP3 decoder found damaged data in the input ({n} message{'s' if n != 1 else ''} held back); "
             "the results cover what it could decode — check the file, or ask for a new copy")
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
