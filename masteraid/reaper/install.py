"""Installing MasterAid's actions into REAPER: pure file logic, plus the register/unregister actions.

What ``masteraid reaper install`` does (and what this module plans and carries out):

1. find REAPER's resource folder (API-NOTES §6: Windows ``%APPDATA%\\REAPER``, macOS
   ``~/Library/Application Support/REAPER``, Linux ``~/.config/REAPER``); it must hold ``reaper.ini``;
2. write one **launcher** per action into ``<resource>/Scripts/MasterAid/``. A launcher is the
   action file of ``reaper_scripts/`` (ReaPack header and body unchanged) with a few lines inserted
   after the header that put the folders of *this* Python environment (the one holding the
   ``masteraid`` package, then the ones holding numpy, scipy, soundfile, reapy) in front of
   ``sys.path``. REAPER runs scripts in its own embedded Python, which need not see this
   environment's site-packages; the launcher makes it find MasterAid and its dependencies. It
   works only if REAPER's Python is the same Python version (the CLI prints which libpython to
   select in REAPER's preferences);
3. also write the bootstrap actions ``MasterAid - Register actions.py`` and
   ``MasterAid - Unregister actions.py`` (sources in ``install/``); the user loads the first one once
   (Actions > Show action list > New action > Load ReaScript...). It calls REAPER's own
   ``AddRemoveReaScript`` for each installed action (:func:`register_actions`). MasterAid never edits
   ``reaper-kb.ini``: whether REAPER rewrites it on exit while running is UNCONFIRMED (API-NOTES §6);
4. record a manifest ``.masteraid-manifest.json`` (file name -> sha256 of what was written).
   A reinstall replaces only files whose content still matches the manifest; a file the user changed
   (or one MasterAid did not write) is never overwritten: the install stops before writing anything.
   Uninstall deletes only manifest files whose hash still matches and reports the others.

It never edits ``reaper.ini`` (reapy's ``configure_reaper()`` would, and would also enable the
unauthenticated network API; MasterAid never does). reapy is not imported here: the register
actions reach REAPER through :func:`masteraid.reaper._api.api`, only when they run inside REAPER.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import sysconfig
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from .. import __version__
from ..audio import write_text
from ..errors import MasterAidError, OutputExistsError, ReaperError

__all__ = [
    "FOLDER_NAME", "MANIFEST_NAME", "REGISTER_SCRIPT", "UNREGISTER_SCRIPT", "RUNTIME_PACKAGES",
    "InstallPlan", "UninstallResult", "default_resource_candidates", "find_resource_path",
    "source_scripts", "environment_paths", "launcher_text", "plan_install", "apply_install", "install",
    "uninstall", "read_manifest", "python_library", "registered_in_keymap", "register_actions",
    "register_actions_action", "unregister_actions_action",
]

#: The folder under ``<resource>/Scripts`` that holds everything MasterAid installs.
FOLDER_NAME = "MasterAid"
#: The manifest inside that folder: which files MasterAid wrote, and their sha256.
MANIFEST_NAME = ".masteraid-manifest.json"
MANIFEST_SCHEMA = 1
REGISTER_SCRIPT = "MasterAid - Register actions.py"
UNREGISTER_SCRIPT = "MasterAid - Unregister actions.py"
#: Section id of REAPER's main Actions list (API-NOTES §6).
MAIN_SECTION = 0
#: Top-level packages MasterAid imports at run time inside REAPER; their folders go on the launcher's path.
RUNTIME_PACKAGES = ("numpy", "scipy", "soundfile", "_soundfile", "cffi", "reapy")

_LAUNCHER_BEGIN = "# --- MasterAid launcher: written by `masteraid reaper install`; reinstall instead of editing ---"
_LAUNCHER_END = "# --- end of MasterAid launcher ---"


# ------------------------------------------------------------------------------ where things are


def default_resource_candidates(*, platform: str | None = None, env: Mapping[str, str] | None = None,
                                home: Path | None = None) -> list[Path]:
    """REAPER's default resource folder for this platform (API-NOTES §6), as a one-item list."""
    platform = platform or sys.platform
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    if platform.startswith("win"):
        appdata = env.get("APPDATA")
        return [Path(appdata) / "REAPER"] if appdata else []
    if platform == "darwin":
        return [home / "Library" / "Application Support" / "REAPER"]
    return [home / ".config" / "REAPER"]


def find_resource_path(resource_path: str | os.PathLike | None = None, **defaults: Any) -> Path:
    """The REAPER resource folder: ``resource_path`` if given, else the platform default; it must
    contain ``reaper.ini`` (that is how reapy recognises it, too)."""
    if resource_path is not None:
        p = Path(resource_path).expanduser()
        if not (p / "reaper.ini").is_file():
            raise ReaperError(f"{p}: not a REAPER resource folder (no reaper.ini in it) — pass the folder "
                              "REAPER shows under Options > Show REAPER resource path")
        return p
    candidates = default_resource_candidates(**defaults)
    for c in candidates:
        if (c / "reaper.ini").is_file():
            return c
    tried = ", ".join(map(str, candidates)) or "no default for this platform"
    raise ReaperError(f"REAPER's resource folder was not found (looked for reaper.ini in {tried}) — start "
                      "REAPER once, or pass --resource-path DIR (REAPER: Options > Show REAPER resource path)")


def _scripts_root() -> Path:
    """Where ``reaper_scripts/`` and ``install/`` are: beside the package in a source checkout, else
    ``<prefix>/share/masteraid`` where a wheel install puts them (pyproject's data-files)."""
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "reaper_scripts").is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "masteraid"


def source_scripts(scripts_dir: Path | None = None, install_dir: Path | None = None) -> list[Path]:
    """The files to install: every action in ``reaper_scripts/`` then the two bootstrap actions in
    ``install/`` (see :func:`_scripts_root` for where they are found)."""
    root = _scripts_root()
    scripts_dir = root / "reaper_scripts" if scripts_dir is None else Path(scripts_dir)
    install_dir = root / "install" if install_dir is None else Path(install_dir)
    actions = sorted(scripts_dir.glob("*.py")) if scripts_dir.is_dir() else []
    boot = [install_dir / REGISTER_SCRIPT, install_dir / UNREGISTER_SCRIPT]
    missing = [str(p) for p in boot if not p.is_file()]
    if not actions or missing:
        where = ", ".join(missing) if missing else f"actions in {scripts_dir}"
        raise MasterAidError(f"MasterAid's REAPER scripts are missing ({where}) — reinstall "
                             "MasterAid (pip install masteraid, or pip install -e . from its source checkout)")
    return [*actions, *boot]


def _package_parent(name: str) -> Path | None:
    """The sys.path folder that holds top-level module/package ``name`` (found without importing it)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or spec.origin in ("built-in", "frozen"):
        return None
    origin = Path(spec.origin).resolve()
    return origin.parents[1] if spec.submodule_search_locations else origin.parent


def environment_paths() -> list[Path]:
    """The folders a launcher puts on REAPER's ``sys.path``, in order: the one holding this
    ``masteraid`` package (from ``masteraid.__file__``), then the ones holding its run-time
    dependencies, then this interpreter's site-packages (purelib, platlib). Existing folders only."""
    out: list[Path] = [Path(__file__).resolve().parents[2]]
    out += [p for p in map(_package_parent, RUNTIME_PACKAGES) if p is not None]
    out += [Path(sysconfig.get_paths()[k]) for k in ("purelib", "platlib")]
    seen: set[str] = set()
    result = []
    for p in out:
        key = os.path.normcase(str(p))
        if key not in seen and p.is_dir():
            seen.add(key)
            result.append(p)
    return result


def python_library() -> Path | None:
    """This interpreter's shared libpython (what REAPER's "custom Python" setting must name), or None
    when this Python has no shared library (a static build cannot be loaded by REAPER)."""
    names = [sysconfig.get_config_var(k) for k in ("INSTSONAME", "LDLIBRARY")]
    dirs = [sysconfig.get_config_var(k) for k in ("LIBDIR", "BINDIR")] + [sys.base_prefix]
    for d in filter(None, dirs):
        for n in filter(None, names):
            p = Path(d) / n
            if p.suffix != ".a" and p.is_file():
                return p
    if sys.platform.startswith("win"):  # python3XY.dll beside python.exe
        dll = Path(sys.base_prefix) / f"python{sys.version_info[0]}{sys.version_info[1]}.dll"
        if dll.is_file():
            return dll
    return None


# ------------------------------------------------------------------------------ launcher text


def _split_header(text: str) -> tuple[list[str], list[str]]:
    """(leading ``#`` comment lines = the ReaPack header, the rest)."""
    lines = text.splitlines(keepends=True)
    n = 0
    while n < len(lines) and lines[n].startswith("#"):
        n += 1
    return lines[:n], lines[n:]


def launcher_text(source: str, paths: Sequence[Path]) -> str:
    """The installed file: ``source``'s ReaPack header, the launcher lines putting ``paths`` in front
    of ``sys.path``, then ``source``'s body unchanged."""
    header, body = _split_header(source)
    if header and not header[-1].endswith("\n"):
        header[-1] += "\n"
    listed = "".join(f"    {str(p)!r},\n" for p in paths)
    launcher = (
        f"{_LAUNCHER_BEGIN}\n"
        "# REAPER runs this file in its own Python; these lines let it find MasterAid "
        f"{__version__} and its dependencies\n"
        "# in the environment it was installed from.\n"
        "import sys as _masteraid_sys\n"
        f"for _masteraid_p in reversed([\n{listed}]):\n"
        "    if _masteraid_p not in _masteraid_sys.path:\n"
        "        _masteraid_sys.path.insert(0, _masteraid_p)\n"
        "del _masteraid_sys, _masteraid_p\n"
        f"{_LAUNCHER_END}\n"
    )
    return "".join(header) + launcher + "".join(body)


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------ manifest


def read_manifest(folder: Path) -> dict | None:
    """The manifest in ``folder`` (``None`` if there is none)."""
    path = Path(folder) / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
            raise ValueError("files must map names to sha256")
    except (ValueError, KeyError, TypeError) as exc:
        raise MasterAidError(f"{path}: unreadable MasterAid manifest ({exc}) — move it away and reinstall; "
                             "files it listed will then be treated as yours and left alone") from None
    return data


def _write_replacing(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and an atomic rename (replacing)."""
    fd, tmp = tempfile.mkstemp(prefix=".masteraid-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ------------------------------------------------------------------------------ install


@dataclass(frozen=True)
class InstallPlan:
    """What an install will do (or did), file by file; names are relative to :attr:`folder`."""

    resource_path: Path
    folder: Path
    create: tuple[str, ...]
    update: tuple[str, ...]
    unchanged: tuple[str, ...]
    remove_stale: tuple[str, ...]
    keep_stale: tuple[str, ...]
    sys_path: tuple[Path, ...]
    contents: Mapping[str, str] = field(repr=False)

    @property
    def actions(self) -> tuple[str, ...]:
        """Every installed action file name (what the register action registers)."""
        return tuple(self.contents)

    @property
    def changes(self) -> bool:
        return bool(self.create or self.update or self.remove_stale)


def plan_install(resource_path: Path, *, sources: Sequence[Path] | None = None,
                 sys_path: Sequence[Path] | None = None) -> InstallPlan:
    """Work out an install into ``resource_path`` without writing anything.

    Raises :class:`~masteraid.errors.OutputExistsError` (nothing written) when a file to install is
    already there with other content and the manifest does not vouch that MasterAid wrote it
    unchanged: that is the user's file, and MasterAid never overwrites it.
    """
    resource_path = Path(resource_path)
    folder = resource_path / "Scripts" / FOLDER_NAME
    sources = source_scripts() if sources is None else list(sources)
    paths = tuple(environment_paths() if sys_path is None else map(Path, sys_path))
    contents = {s.name: launcher_text(s.read_text(encoding="utf-8"), paths) for s in sources}
    manifest = read_manifest(folder) if folder.is_dir() else None
    recorded = manifest["files"] if manifest else {}
    create, update, unchanged, conflicts = [], [], [], []
    for name, text in contents.items():
        target = folder / name
        if not target.exists():
            create.append(name)
            continue
        current = _sha256_file(target) if target.is_file() else None
        if current == _sha256_text(text):
            unchanged.append(name)
        elif current is not None and recorded.get(name) == current:
            update.append(name)
        else:
            conflicts.append(name)
    if conflicts:
        raise OutputExistsError(
            f"{folder}: {', '.join(conflicts)}: changed since MasterAid installed {'it' if len(conflicts) == 1 else 'them'}"
            " (or not written by MasterAid); MasterAid never overwrites your files — move or rename "
            f"{'it' if len(conflicts) == 1 else 'them'}, then run the install again (nothing was written)")
    remove_stale, keep_stale = [], []
    for name, digest in sorted(recorded.items()):
        if name in contents or Path(name).name != name:  # never follow a manifest name out of the folder
            continue
        target = folder / name
        if target.is_file() and _sha256_file(target) == digest:
            remove_stale.append(name)
        elif target.exists():
            keep_stale.append(name)
    return InstallPlan(resource_path=resource_path, folder=folder, create=tuple(create), update=tuple(update),
                       unchanged=tuple(unchanged), remove_stale=tuple(remove_stale), keep_stale=tuple(keep_stale),
                       sys_path=paths, contents=contents)


def apply_install(plan: InstallPlan) -> InstallPlan:
    """Carry out ``plan``: new files are written atomically and never over an existing one; updates
    replace (atomically) only files the plan found unchanged since install; then the manifest."""
    folder = plan.folder
    manifest = read_manifest(folder) if folder.is_dir() else None
    if manifest:
        created_dirs = list(manifest.get("created_dirs", []))
    else:  # the folders this install creates (uninstall removes them again if they are empty)
        created_dirs = [d.name for d in (folder.parent, folder) if not d.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    recorded = dict(manifest["files"]) if manifest else {}
    for name in plan.create:
        write_text(folder / name, plan.contents[name])
    for name in plan.update:
        target = folder / name
        if _sha256_file(target) != recorded.get(name):  # changed since planning: leave it
            raise OutputExistsError(f"{target}: changed while installing; MasterAid never overwrites your "
                                    "files — run the install again")
        _write_replacing(target, plan.contents[name])
    for name in plan.remove_stale:
        (folder / name).unlink()
    files = {name: _sha256_text(text) for name, text in plan.contents.items()}
    data = {
        "schema": MANIFEST_SCHEMA,
        "masteraid_version": __version__,
        "python": sys.executable,
        "sys_path": [str(p) for p in plan.sys_path],
        "created_dirs": created_dirs,
        "actions": list(plan.actions),
        "files": files,
    }
    _write_replacing(folder / MANIFEST_NAME, json.dumps(data, indent=2, sort_keys=True) + "\n")
    return plan


def install(resource_path: str | os.PathLike | None = None, *, dry_run: bool = False,
            sources: Sequence[Path] | None = None, sys_path: Sequence[Path] | None = None) -> InstallPlan:
    """Find REAPER's resource folder, plan the install and (unless ``dry_run``) carry it out."""
    plan = plan_install(find_resource_path(resource_path), sources=sources, sys_path=sys_path)
    return plan if dry_run else apply_install(plan)


# ------------------------------------------------------------------------------ uninstall


@dataclass(frozen=True)
class UninstallResult:
    """What uninstall removed, kept (changed by the user) and found already gone."""

    folder: Path
    removed: tuple[str, ...]
    kept: tuple[str, ...]
    missing: tuple[str, ...]
    removed_folder: bool


def uninstall(resource_path: str | os.PathLike | None = None) -> UninstallResult:
    """Remove the files the manifest lists whose content still matches it, then the manifest, then
    the folders install created (``Scripts/MasterAid``, ``Scripts``) if they are now empty. Files the
    user changed, and files MasterAid did not write, are kept."""
    folder = find_resource_path(resource_path) / "Scripts" / FOLDER_NAME
    manifest = read_manifest(folder) if folder.is_dir() else None
    if manifest is None:
        raise MasterAidError(f"{folder}: no MasterAid installation here (no {MANIFEST_NAME}) — nothing to "
                             "uninstall; MasterAid removes only files it installed")
    removed, kept, missing = [], [], []
    for name, digest in sorted(manifest["files"].items()):
        target = folder / name
        if Path(name).name != name or not target.is_file():  # never follow a name out of the folder
            (missing if not target.exists() else kept).append(name)
        elif _sha256_file(target) == digest:
            target.unlink()
            removed.append(name)
        else:
            kept.append(name)
    (folder / MANIFEST_NAME).unlink()
    removed_folder = False
    created = set(manifest.get("created_dirs", []))
    for d in (folder, folder.parent):  # <resource>/Scripts/MasterAid, then <resource>/Scripts
        if d.name in created and d.is_dir() and not any(d.iterdir()):
            d.rmdir()
            removed_folder = removed_folder or d == folder
    return UninstallResult(folder=folder, removed=tuple(removed), kept=tuple(kept), missing=tuple(missing),
                           removed_folder=removed_folder)


def registered_in_keymap(resource_path: Path) -> list[str]:
    """Lines of ``reaper-kb.ini`` (read only, never written) that register a script of our folder."""
    kb = Path(resource_path) / "reaper-kb.ini"
    if not kb.is_file():
        return []
    marks = (f"{FOLDER_NAME}/", f"{FOLDER_NAME}\\")
    return [line.strip() for line in kb.read_text(encoding="utf-8", errors="replace").splitlines()
            if line.startswith("SCR ") and any(m in line for m in marks)]


# ------------------------------------------------------------------------------ inside REAPER


def register_actions(rpr: Any, folder: str | os.PathLike, *, add: bool = True) -> list[tuple[str, int]]:
    """Register (``add=True``) or unregister every action of the manifest in ``folder`` in REAPER's
    main Actions list with ``AddRemoveReaScript`` (``commit`` on the last call only, as the SDK asks).

    ``rpr`` is reapy's ``reascript_api`` (or anything with ``AddRemoveReaScript``). Returns
    ``(file name, result)``: the command id when adding (0 = REAPER refused), > 0 when removing.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest is None:
        raise ReaperError(f"{folder}: MasterAid's actions are not installed here — run "
                          "'masteraid reaper install' in a terminal first")
    names = [n for n in manifest.get("actions", []) if (folder / n).is_file()]
    out = []
    for i, name in enumerate(names):
        result = rpr.AddRemoveReaScript(add, MAIN_SECTION, str(folder / name), i == len(names) - 1)
        out.append((name, int(result)))
    return out


def _installed_folder(rpr: Any) -> Path:
    return Path(rpr.GetResourcePath()) / "Scripts" / FOLDER_NAME


def register_actions_action() -> list[tuple[str, int]]:
    """Action "MasterAid - Register actions": add every installed action to the Actions list and
    list their command ids in the console. Touches no project (no undo point)."""
    from ._api import api
    from .console import show
    rpr = api()
    folder = _installed_folder(rpr)
    done = register_actions(rpr, folder, add=True)
    lines = [f"MasterAid: registered in the Actions list (section Main), from {folder}:"]
    lines += [f"  {name[:-3] if name.endswith('.py') else name}: command id {cid}" if cid else
              f"  {name}: REAPER refused to register it (AddRemoveReaScript returned 0)" for name, cid in done]
    failed = [n for n, cid in done if not cid]
    if failed:
        lines.append("  run 'masteraid reaper install' again, then this action again")
    show("\n".join(lines))
    if failed:
        raise ReaperError(f"{len(failed)} action(s) could not be registered: {', '.join(failed)}")
    return done


def unregister_actions_action() -> list[tuple[str, int]]:
    """Action "MasterAid - Unregister actions": remove every installed MasterAid action (itself
    included) from the Actions list; the files stay until ``masteraid reaper uninstall``."""
    from ._api import api
    from .console import show
    rpr = api()
    folder = _installed_folder(rpr)
    done = register_actions(rpr, folder, add=False)
    lines = [f"MasterAid: removed from the Actions list (files stay in {folder}):"]
    lines += [f"  {name}: {'removed' if r > 0 else 'was not registered'}" for name, r in done]
    lines.append("  to delete the files, run 'masteraid reaper uninstall' in a terminal")
    show("\n".join(lines))
    return done
