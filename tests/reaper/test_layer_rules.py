"""House rules of the REAPER layer, checked on the source: reapy only under masteraid/reaper/, and
never reapy's distant API."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from masteraid.errors import ReaperError

PKG = Path(__file__).resolve().parents[2] / "masteraid"
DIST_API = {"configure_reaper", "enable_dist_api", "connect", "connect_to_default_machine", "reconnect"}


def _reapy_imports(path: Path) -> list[str]:
    """Every import of reapy in a module (import / from-import / importlib by name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "reapy"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "reapy":
            found.append(node.module)
        elif isinstance(node, ast.Call) and any(isinstance(a, ast.Constant) and str(a.value).split(".")[0] == "reapy"
                                                for a in node.args):
            found.append(ast.unparse(node))
    return [f"{path.relative_to(PKG.parent)}: {f}" for f in found]


def test_no_module_outside_masteraid_reaper_imports_reapy():
    modules = [p for p in PKG.rglob("*.py") if "reaper" not in p.relative_to(PKG).parts[:1]]
    assert len(modules) > 10  # the walk really sees the package
    assert [hit for p in modules for hit in _reapy_imports(p)] == []
    # the detector does find the layer's own (lazy) import, so it can fail
    assert any("reapy" in hit for hit in _reapy_imports(PKG / "reaper" / "_api.py"))


def test_reaper_layer_never_calls_the_distant_api():
    calls = []
    for p in (PKG / "reaper").rglob("*.py"):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
                if name in DIST_API:
                    calls.append(f"{p.name}: {ast.unparse(node)}")
    assert calls == []


def test_importing_the_layer_outside_reaper_does_not_load_reapy():
    code = "import sys, masteraid.reaper; assert 'reapy' not in sys.modules, 'reapy imported'"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=str(PKG.parent), timeout=60)
    assert r.returncode == 0, r.stderr


def test_outside_reaper_the_actions_refuse_with_a_clear_message():
    import masteraid.reaper as mr
    with pytest.raises(ReaperError, match="inside REAPER only"):
        mr.dual_bounce()


SCRIPTS = PKG.parent / "reaper_scripts"


@pytest.mark.parametrize("script", sorted(p.name for p in SCRIPTS.glob("*.py")))
def test_action_scripts_have_a_reapack_header_and_a_few_lines(script):
    text = (SCRIPTS / script).read_text(encoding="utf-8")
    header = [ln for ln in text.splitlines() if ln.startswith("# @")]
    tags = {ln.split()[1] for ln in header}
    assert {"@description", "@version", "@author", "@about"} <= tags
    assert f"# @description {script[:-3]}" in header and "# @version 0.1.0" in header
    body = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert len(body) <= 8
    assert "import masteraid.reaper" in body and "except MasterAidError as exc:" in body


def test_every_action_exists():
    assert sorted(p.name for p in SCRIPTS.glob("*.py")) == ["MasterAid - Audit last render.py",
                                                             "MasterAid - Dual bounce.py",
                                                             "MasterAid - Loudness-matched AB.py",
                                                             "MasterAid - Mastering chain.py"]
