"""The public API at the package top level resolves to the stage functions, whatever the import order."""

import subprocess
import sys

import pytest

NAMES = {
    "analyze": "masteraid.analysis:analyze",
    "plan_match": "masteraid.match:plan_match",
    "streaming_preview": "masteraid.match:streaming_preview",
    "design_chain": "masteraid.chain:design_chain",
    "render_chain": "masteraid.chain:render_chain",
    "audit": "masteraid.audit:",
    "compare": "masteraid.compare:",
}


@pytest.mark.parametrize("first", ["masteraid", "masteraid.audit", "masteraid.compare", "masteraid.cli"])
def test_top_level_names_do_not_depend_on_import_order(first):
    code = f"""
import importlib, {first}
import masteraid
for name, target in {NAMES!r}.items():
    mod, attr = target.split(":")
    want = importlib.import_module(mod)
    if attr:
        want = getattr(want, attr)
    assert getattr(masteraid, name) is want, name
assert callable(masteraid.audit.check) and callable(masteraid.compare.compare)
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_unknown_name_is_an_attribute_error():
    import masteraid

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        masteraid.nope
