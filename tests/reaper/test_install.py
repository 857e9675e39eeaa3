"""``masteraid reaper install|uninstall`` on temporary REAPER resource folders, and the installed
launchers / register actions run over the REAPER stand-in with a clean ``sys.path``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from masteraid.cli import main
from masteraid.errors import OutputExistsError, ReaperError
from masteraid.reaper import install as inst
from tests.reaper_emulator import run_script
from tests.reaper_emulator.project import Session

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted((REPO / "reaper_scripts").glob("*.py")) + [REPO / "install" / inst.REGISTER_SCRIPT,
                                                             REPO / "install" / inst.UNREGISTER_SCRIPT]
NAMES = {p.name for p in SOURCES}


@pytest.fixture
def resource(tmp_path) -> Path:
    r = tmp_path / "REAPER"
    r.mkdir()
    (r / "reaper.ini").write_text("[reaper]\nlastproject=\n", encoding="utf-8")
    return r


def _folder(resource: Path) -> Path:
    return resource / "Scripts" / "MasterAid"


def _tree(root: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _install(resource: Path, *extra: str) -> int:
    return main(["reaper", "install", "--resource-path", str(resource), *extra])


def _uninstall(resource: Path) -> int:
    return main(["reaper", "uninstall", "--resource-path", str(resource)])


# ------------------------------------------------------------------------------------- install


def test_install_writes_launchers_and_manifest(resource, capsys):
    ini = (resource / "reaper.ini").read_bytes()
    assert _install(resource) == 0
    folder = _folder(resource)
    assert {p.name for p in folder.iterdir()} == NAMES | {inst.MANIFEST_NAME}
    manifest = json.loads((folder / inst.MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["files"] == {n: _sha(folder / n) for n in NAMES}
    assert set(manifest["actions"]) == NAMES
    assert manifest["sys_path"][0] == str(REPO)  # the folder holding this masteraid package
    for src in SOURCES:  # the ReaPack header first, the action's body unchanged at the end
        text, original = (folder / src.name).read_text(encoding="utf-8"), src.read_text(encoding="utf-8")
        header = [ln for ln in original.splitlines(keepends=True) if ln.startswith("#")]
        body = original[len("".join(header)):]
        assert text.startswith("".join(header)) and "@version" in header[1]
        assert text.endswith(body) and f"{str(REPO)!r}" in text
    assert (resource / "reaper.ini").read_bytes() == ini  # never edited
    assert set(_tree(resource)) == {"reaper.ini", "Scripts", "Scripts/MasterAid",
                                    *(f"Scripts/MasterAid/{n}" for n in NAMES | {inst.MANIFEST_NAME})}
    err = capsys.readouterr().err
    assert "Enable Python" in err and inst.REGISTER_SCRIPT in err and "network API" in err


def test_reinstall_is_idempotent(resource, capsys):
    assert _install(resource) == 0
    before = _tree(resource)
    assert _install(resource) == 0
    assert _tree(resource) == before
    assert "keep (already current): MasterAid - Dual bounce.py" in capsys.readouterr().err


def test_reinstall_updates_files_unchanged_since_an_older_install(resource, tmp_path):
    old = inst.install(resource, sys_path=[tmp_path])  # e.g. installed from another environment
    folder = old.folder
    stale = folder / "MasterAid - Retired action.py"  # shipped by that version, no longer shipped
    stale.write_text("# old\n", encoding="utf-8")
    m = json.loads((folder / inst.MANIFEST_NAME).read_text(encoding="utf-8"))
    m["files"][stale.name] = _sha(stale)
    (folder / inst.MANIFEST_NAME).write_text(json.dumps(m), encoding="utf-8")
    assert str(tmp_path) in (folder / "MasterAid - Dual bounce.py").read_text(encoding="utf-8")

    assert _install(resource) == 0
    for n in NAMES:
        assert f"{str(REPO)!r}" in (folder / n).read_text(encoding="utf-8")
        assert f"{str(tmp_path)!r}" not in (folder / n).read_text(encoding="utf-8")
    assert not stale.exists()
    assert set(json.loads((folder / inst.MANIFEST_NAME).read_text(encoding="utf-8"))["files"]) == NAMES


def test_a_file_the_user_changed_is_never_overwritten(resource, capsys):
    assert _install(resource) == 0
    target = _folder(resource) / "MasterAid - Dual bounce.py"
    target.write_text(target.read_text(encoding="utf-8") + "# my tweak\n", encoding="utf-8")
    before = _tree(resource)
    capsys.readouterr()
    assert _install(resource) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "MasterAid - Dual bounce.py" in err and "never overwrites" in err
    assert _tree(resource) == before  # nothing written: not the changed file, not the others, not the manifest
    with pytest.raises(OutputExistsError, match="Dual bounce"):
        inst.install(resource, sys_path=[resource])  # a new launcher for every file: still all refused
    assert _tree(resource) == before


def test_existing_foreign_file_refuses_and_writes_nothing(resource, capsys):
    folder = _folder(resource)
    folder.mkdir(parents=True)
    (folder / "MasterAid - Dual bounce.py").write_text("# the user's own script\n", encoding="utf-8")
    before = _tree(resource)
    assert _install(resource) == 1
    err = capsys.readouterr().err
    assert "MasterAid - Dual bounce.py" in err and "never overwrites" in err and "Traceback" not in err
    assert _tree(resource) == before  # nothing written, not even the manifest


def test_dry_run_writes_nothing(resource, capsys):
    before = _tree(resource)
    assert _install(resource, "--dry-run") == 0
    assert _tree(resource) == before
    err = capsys.readouterr().err
    assert "nothing written" in err and "would create: MasterAid - Register actions.py" in err


def test_missing_reaper_ini_is_a_clear_error(tmp_path, capsys):
    assert _install(tmp_path) == 1
    err = capsys.readouterr().err.strip()
    assert "reaper.ini" in err and "resource" in err and len(err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ReaperError, match="--resource-path"):
        inst.find_resource_path(platform="linux", home=tmp_path)


def test_default_resource_folders(tmp_path):
    linux = tmp_path / ".config" / "REAPER"
    linux.mkdir(parents=True)
    (linux / "reaper.ini").write_text("", encoding="utf-8")
    assert inst.find_resource_path(platform="linux", home=tmp_path) == linux
    assert inst.default_resource_candidates(platform="darwin", home=tmp_path) == [
        tmp_path / "Library" / "Application Support" / "REAPER"]
    assert inst.default_resource_candidates(platform="win32", env={"APPDATA": str(tmp_path)}) == [tmp_path / "REAPER"]


# ----------------------------------------------------------------------------------- uninstall


def test_uninstall_removes_exactly_the_manifest_files(resource, capsys):
    assert _install(resource) == 0
    folder = _folder(resource)
    mine = folder / "My own script.py"
    mine.write_text("# not MasterAid's\n", encoding="utf-8")
    changed = folder / "MasterAid - Audit last render.py"
    changed.write_text(changed.read_text(encoding="utf-8") + "# tweak\n", encoding="utf-8")
    capsys.readouterr()
    assert _uninstall(resource) == 0
    assert {p.name for p in folder.iterdir()} == {mine.name, changed.name}
    err = capsys.readouterr().err
    assert "kept (you changed it): MasterAid - Audit last render.py" in err
    assert "removed: MasterAid - Dual bounce.py" in err


def test_uninstall_of_a_clean_install_leaves_the_folder_as_found(resource):
    before = _tree(resource)
    assert _install(resource) == 0
    assert _uninstall(resource) == 0
    assert _tree(resource) == before


def test_uninstall_never_follows_a_manifest_name_out_of_the_folder(resource):
    assert _install(resource) == 0
    mpath = _folder(resource) / inst.MANIFEST_NAME
    m = json.loads(mpath.read_text(encoding="utf-8"))
    m["files"]["../../reaper.ini"] = _sha(resource / "reaper.ini")
    mpath.write_text(json.dumps(m), encoding="utf-8")
    result = inst.uninstall(resource)
    assert (resource / "reaper.ini").is_file() and "../../reaper.ini" in result.kept
    assert set(result.removed) == NAMES


def test_uninstall_warns_when_reaper_still_lists_the_actions(resource, capsys):
    assert _install(resource) == 0
    path = _folder(resource) / "MasterAid - Dual bounce.py"
    (resource / "reaper-kb.ini").write_text(f'SCR 4 0 RS0123 "Custom: MasterAid - Dual bounce.py" "{path}"\n',
                                            encoding="utf-8")
    capsys.readouterr()
    assert _uninstall(resource) == 0
    assert "still has 1 MasterAid entry" in capsys.readouterr().err
    assert (resource / "reaper-kb.ini").read_text(encoding="utf-8").startswith("SCR 4 0 RS0123")  # read, not edited


def test_uninstall_without_an_install_is_a_clear_error(resource, capsys):
    assert _uninstall(resource) == 1
    assert "nothing to uninstall" in capsys.readouterr().err


# --------------------------------------------------------------------- over the REAPER stand-in

#: Run an installed file as REAPER would, but with a sys.path (and import finders) that cannot see this
#: checkout or any site-packages: only the launcher's own lines can make ``import masteraid`` work.
_CLEAN = '''
import importlib, os, sys
import reaper_python  # the stand-in's binding, loaded while the test harness is still reachable
bad = {repo!r}
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != bad and "site-packages" not in p]
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]  # pip install -e's finder
for m in [m for m in sys.modules if m == "masteraid" or m.startswith("masteraid.")]:
    del sys.modules[m]
importlib.invalidate_caches()
try:
    import masteraid
except ImportError:
    pass
else:
    raise SystemExit("masteraid importable before the launcher ran: the test proves nothing")
path = {path!r}
exec(compile(open(path, encoding="utf-8").read(), path, "exec"), globals())
assert sys.modules["masteraid"].__file__.startswith(bad)
'''


def _run_installed(session: Session, folder: Path, name: str, workdir: Path):
    code = _CLEAN.format(repo=str(REPO), path=str(folder / name))
    return run_script(session, code=code, workdir=workdir)


def _session(resource: Path, tmp_path: Path) -> Session:
    s = Session()
    s.resource_path = str(resource)
    s.project.folder = str(tmp_path / "project")
    (tmp_path / "project").mkdir()
    return s


def test_register_action_registers_every_installed_action(resource, tmp_path):
    plan = inst.install(resource)
    r = _run_installed(_session(resource, tmp_path), plan.folder, inst.REGISTER_SCRIPT, tmp_path / "run1")
    r.check()
    calls = r.calls_to("AddRemoveReaScript")
    expected = [str(plan.folder / n) for n in sorted(NAMES)]
    assert [c[2] for c in calls] == expected
    assert all(c[0] in (True, 1) and c[1] == 0 for c in calls)
    assert [bool(c[3]) for c in calls] == [False] * (len(calls) - 1) + [True]  # commit on the last only
    reg = r.session.registered_scripts
    assert sorted(x["path"] for x in reg) == expected and all(x["section"] == 0 for x in reg)
    for x in reg:
        assert f"command id {x['command_id']}" in r.console

    # ... and the unregister action removes them all again
    r2 = _run_installed(r.session, plan.folder, inst.UNREGISTER_SCRIPT, tmp_path / "run2")
    r2.check()
    assert r2.session.registered_scripts == []
    assert [c[2] for c in r2.calls_to("AddRemoveReaScript")] == expected
    assert "masteraid reaper uninstall" in r2.console


def test_installed_action_launcher_runs_the_action(resource, tmp_path):
    plan = inst.install(resource)
    r = _run_installed(_session(resource, tmp_path), plan.folder, "MasterAid - Audit last render.py", tmp_path / "run")
    r.check()
    assert "MasterAid: nothing to audit" in r.console  # the real action ran, found no render, said so


def test_register_action_without_an_install_says_so(resource, tmp_path):
    plan = inst.install(resource)
    launcher = (plan.folder / inst.REGISTER_SCRIPT).read_text(encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "REAPER").mkdir(parents=True)  # a REAPER whose Scripts/MasterAid holds no install
    (tmp_path / "copy.py").write_text(launcher, encoding="utf-8")
    r = _run_installed(_session(elsewhere / "REAPER", tmp_path), tmp_path, "copy.py", tmp_path / "run")
    r.check()
    assert "masteraid reaper install" in r.console and r.session.registered_scripts == []
