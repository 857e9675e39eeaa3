"""``masteraid reaper install|uninstall``: put MasterAid's actions into REAPER's Scripts folder.

The file logic is :mod:`masteraid.reaper.install`; this module only prints. Messages go to stderr
(the mixer reads them), nothing goes to stdout. See ``install/README.md`` for the user's view.
"""

from __future__ import annotations

import argparse
import sys

from ..reaper.install import (FOLDER_NAME, REGISTER_SCRIPT, UNREGISTER_SCRIPT, install, python_library,
                              registered_in_keymap, uninstall)

__all__ = ["reaper_command"]


def _say(text: str = "") -> None:
    print(text, file=sys.stderr)


def _python_prerequisite() -> None:
    lib = python_library()
    _say("Before the actions can run, REAPER must use this Python "
         f"({sys.version_info[0]}.{sys.version_info[1]}, {sys.executable}):")
    _say("  Options > Preferences > Plug-ins > ReaScript: tick 'Enable Python for use with ReaScript',")
    if lib is not None:
        _say(f"  set 'Custom path to Python dll directory' to {lib.parent}")
        _say(f"  and the library name to {lib.name}, then restart REAPER.")
    else:
        _say("  and point it at this Python's shared library (libpython / python3X.dll). This Python has none that "
             "MasterAid could find: REAPER needs a Python built with a shared library.")
    _say("  MasterAid does not edit reaper.ini for you, and never enables reapy's network API "
         "(configure_reaper would: it lets anyone on the network run code in REAPER).")


def _install(args: argparse.Namespace) -> int:
    plan = install(args.resource_path, dry_run=args.dry_run)
    verb = "would" if args.dry_run else "did"
    _say(f"MasterAid {'dry run — nothing written' if args.dry_run else 'installed'}: {plan.folder}")
    for label, names in (("create", plan.create), ("update", plan.update), ("keep (already current)", plan.unchanged),
                         ("remove (no longer shipped)", plan.remove_stale),
                         ("leave (no longer shipped, changed by you)", plan.keep_stale)):
        for name in names:
            _say(f"  {verb} {label}: {name}" if args.dry_run else f"  {label}: {name}")
    _say(f"  each action puts these folders on REAPER's Python path: {', '.join(map(str, plan.sys_path))}")
    _say()
    _python_prerequisite()
    _say()
    _say("Then register the actions, once: in REAPER, Actions > Show action list > New action > Load ReaScript...,")
    _say(f"  choose {plan.folder / REGISTER_SCRIPT} and run it; the console lists the new command ids.")
    _say("  (MasterAid does not edit reaper-kb.ini: REAPER may rewrite it while running.)")
    return 0


def _uninstall(args: argparse.Namespace) -> int:
    from ..reaper.install import find_resource_path

    resource = find_resource_path(args.resource_path)
    still = registered_in_keymap(resource)
    result = uninstall(resource)
    _say(f"MasterAid uninstalled from {result.folder}")
    for name in result.removed:
        _say(f"  removed: {name}")
    for name in result.missing:
        _say(f"  already gone: {name}")
    for name in result.kept:
        _say(f"  kept (you changed it): {name}")
    if result.kept:
        _say(f"  the {FOLDER_NAME} folder stays because of the files above; delete them yourself if you wish")
    if still:
        _say(f"REAPER's Actions list still has {len(still)} MasterAid entr{'y' if len(still) == 1 else 'ies'} "
             "(reaper-kb.ini): remove them in Actions > Show action list (select, Delete), or next time run "
             f"'{UNREGISTER_SCRIPT[:-3]}' in REAPER before uninstalling.")
    return 0


def reaper_command(args: argparse.Namespace) -> int:
    """Dispatch ``masteraid reaper <install|uninstall>``."""
    if args.reaper_command == "install":
        return _install(args)
    return _uninstall(args)
