"""``masteraid demo``: both bundled renders are audited; the pre-treat is flagged, the raw is not."""

from __future__ import annotations

from importlib import resources

import pytest

from masteraid.cli import main
from masteraid.commands.demo import EXAMPLE_FILES


def test_examples_are_installed_package_data():
    folder = resources.files("masteraid") / "examples"
    for name in EXAMPLE_FILES:
        assert (folder / name).is_file()
    # the size budget of the bundled files (see examples/README.md): both under 1.5 MB together
    total = sum(len((folder / name).read_bytes()) for name in EXAMPLE_FILES)
    assert total < 1.5e6


@pytest.fixture(scope="module")
def demo_output():
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["demo"])
    return code, out.getvalue(), err.getvalue()


def _sections(text):
    raw_at = text.index("### raw mix")
    pre_at = text.index("### pre-treated mix")
    assert raw_at < pre_at
    return text[raw_at:pre_at], text[pre_at:]


def test_demo_audits_both_files(demo_output):
    code, out, _ = demo_output
    assert code == 0
    raw, pre = _sections(out)
    assert "MasterAid audit: example_raw.flac" in raw
    assert "MasterAid audit: example_pretreat.flac" in pre


def test_demo_flags_the_pretreat_not_the_raw(demo_output):
    _, out, _ = demo_output
    raw, pre = _sections(out)
    for code in ("limiter_on_bus", "true_peak_over", "intersample_overs", "too_loud"):
        assert code in pre, code
        assert code not in raw, code
    assert "Verdict  ready for mastering" in raw
    assert "Verdict  not ready" in pre


def test_demo_out_writes_both_reports(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["example_pretreat - audit.txt", "example_raw - audit.txt"]
    assert "true_peak_over" in (tmp_path / "example_pretreat - audit.txt").read_text(encoding="utf-8")


def test_demo_out_folder_must_exist(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "missing")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("masteraid: error: ") and "does not exist" in err[0]
