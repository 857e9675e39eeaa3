"""The HTML reports: self-contained, well-formed, escaped, and their plots draw the measured values
where they belong (read back from the SVG coordinates, against analytic expectations)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pytest
from scipy.signal import freqz

from masteraid.analysis import analyze
from masteraid.audio import ArraySource, write
from masteraid.audit import check
from masteraid.cli import main
from masteraid.compare import compare
from masteraid.findings import Finding
from masteraid.report.html import reduce_series, render_audit_html, render_compare_html
from tests.compare.processing import apply_ba, compressor, shelf_ba
from tests.signals import music_like, sine

RATE = 48000
_VOID = {"meta", "br", "img", "input", "link", "hr", "col", "area", "base", "source", "wbr"}


class _Page(HTMLParser):
    """Checks that every element is closed in order; collects the charts and their shapes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.charts: list[dict] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self.charts.append({"x": [float(v) for v in a["data-x-range"].split()],
                                "y": [float(v) for v in a["data-y-range"].split()],
                                "plot": [float(v) for v in a["data-plot"].split()],
                                "label": a.get("aria-label"), "lines": [], "bars": [], "refs": []})
        elif tag == "polyline":
            pts = np.array([[float(u) for u in p.split(",")] for p in a["points"].split()])
            self.charts[-1]["lines"].append((a["data-name"], pts))
        elif tag == "rect" and "data-hz" in a:
            self.charts[-1]["bars"].append((float(a["data-hz"]), float(a["data-db"]), a["class"]))
        elif tag == "line" and a.get("class") == "ref":
            self.charts[-1]["refs"].append((a["data-name"], float(a["y1"])))
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Page:
    p = _Page()
    p.feed(page)
    p.close()
    assert p.stack == ["html"] or p.stack == [], p.stack  # <html> may stay open only if the page ends early
    assert page.rstrip().endswith("</html>")
    # self-contained: nothing fetched, no script
    assert "<script" not in page.lower()
    assert not re.search(r"\b(src|href)\s*=", page)
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {"http://www.w3.org/2000/svg"}
    return p


def _values(chart: dict, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Data coordinates of SVG points, through the chart's declared axes."""
    (x0, x1), (y0, y1), (left, top, w, h) = chart["x"], chart["y"], chart["plot"]
    return x0 + (pts[:, 0] - left) / w * (x1 - x0), y1 - (pts[:, 1] - top) / h * (y1 - y0)


def _chart(page: _Page, label: str) -> dict:
    found = [c for c in page.charts if c["label"] == label]
    assert len(found) == 1, [c["label"] for c in page.charts]
    return found[0]


def test_reduce_series_keeps_extremes_breaks_and_bounds_the_points():
    t = np.arange(100000) * 0.01
    v = np.sin(t)
    v[31234] = 9.0  # a one-frame spike
    v[50000:50010] = -np.inf  # a silent stretch
    rt, rv = reduce_series(t, v, 500)
    assert rt.shape[0] <= 2 * 500 + 2 and np.all(np.diff(rt) >= 0)
    assert np.nanmax(rv) == 9.0 and rt[np.nanargmax(rv)] == t[31234]
    assert np.nanmin(rv) == pytest.approx(-1.0, abs=1e-6)
    assert np.isnan(rv).sum() == 1 and 499.0 <= rt[np.flatnonzero(np.isnan(rv))[0]] <= 500.1
    st, sv = reduce_series(t[:50], v[:50], 500)  # short: as it is
    np.testing.assert_array_equal(sv, v[:50])


def test_audit_page_draws_a_minus_23_lufs_sine_at_minus_23():
    """A stereo 1 kHz sine peaking at -23 dBFS reads -23.0 LUFS: every short-term point and the
    integrated line sit at -23 on the chart (within 0.05 LU)."""
    x = sine(1000.0, -23.0, 12.0, RATE)
    m = analyze(ArraySource(x, RATE, name="sine.wav"))
    assert m.loudness.integrated_lufs == pytest.approx(-23.0, abs=0.05)
    page = _parse(render_audit_html(m, check(m)))
    chart = _chart(page, "loudness over time")
    short = [pts for name, pts in chart["lines"] if name == "short-term (3 s)"]
    assert len(short) == 1
    t, v = _values(chart, short[0])
    assert np.all(np.abs(v - (-23.0)) < 0.05) and t[0] == pytest.approx(3.0, abs=0.02) and t[-1] == pytest.approx(12.0, abs=0.02)
    (_, y_ref), = chart["refs"]
    assert _values(chart, np.array([[0.0, y_ref]]))[1][0] == pytest.approx(-23.0, abs=0.05)
    spec = _chart(page, "long-term spectrum")
    (_, pts), = spec["lines"]
    f, lv = _values(spec, pts)
    assert 10 ** f[np.argmax(lv)] == pytest.approx(1000.0, rel=0.03)  # the sine's band is the top


def test_silence_and_a_short_file_make_a_page_without_lines():
    m = analyze(ArraySource(np.zeros((RATE // 2, 2)), RATE, name="silent.wav"))
    page = _parse(render_audit_html(m, check(m)))
    for chart in page.charts:
        assert not chart["lines"]


def test_everything_from_outside_is_escaped():
    m = analyze(ArraySource(sine(440.0, -12.0, 4.0, RATE), RATE, name="<b>mix & \"co\".wav"))
    page = render_audit_html(m, [Finding("warning", "x", "a <script>alert(1)</script> & more")])
    p = _parse(page)
    assert "<b>mix" not in page and "&lt;b&gt;mix &amp; &quot;co&quot;.wav" in page
    assert "a <script>" not in page and any("a <script>alert(1)</script> & more" in t for t in p.text)


@pytest.fixture(scope="module")
def raw():
    return music_like(12.0, RATE, seed=11)


def test_compare_page_draws_the_compressors_own_gain_reduction(raw):
    """The gain-reduction chart, read back from its coordinates, follows the compressor's own reduction
    (per 20 ms frame; up to the constant the compare leaves out, the least-compressed 5 %'s reduction)
    within 0.5 dB; both renders' loudness is drawn."""
    pre, gr = compressor(raw, RATE, threshold_dbfs=-18.0, ratio=4.0, attack_ms=5, release_ms=80)
    c = compare(ArraySource(raw, RATE, name="raw.wav"), ArraySource(pre, RATE, name="pre.wav"))
    page = _parse(render_compare_html(c))
    chart = _chart(page, "gain reduction over time")
    pts = np.concatenate([p for name, p in chart["lines"] if name == "gain reduction"])
    t, v = _values(chart, pts)
    assert pts.shape[0] > 500 and v.max() > 5.0
    own = np.array([gr[max(0, int((s - 0.01) * RATE)):int((s + 0.01) * RATE)].mean() for s in t])  # the frame there
    assert float(np.std(v - own)) < 0.5 and own.max() - own.min() > 5.0
    loud = _chart(page, "short-term loudness of both renders")
    assert {name for name, _ in loud["lines"]} == {"raw", "pre-treat"}


def test_the_legend_names_every_line_in_one_row_without_overlap():
    """Reference lines are named in the legend, not beside the line (where a dense trace hid the name); the
    legend is above the plot, not on it; entries are spaced by their names' lengths (a 40-character label
    did not fit the fixed 150 px)."""
    from masteraid.report.html import Axis, line_chart

    t = np.linspace(0.0, 10.0, 2000)
    long_name = "master, second version for the client x"
    svg = line_chart([("raw", t, np.sin(t) * 3 + 6), (long_name, t, np.cos(t) * 3 + 6)], Axis(0, 10, 1, "t"),
                     Axis(0, 12, 3, "dB"), title="c", lines=[("95th percentile 8.9 dB", 8.9)])
    texts = re.findall(r'<text x="([\d.]+)" y="([\d.]+)" class="tick">([^<]*)</text>', svg)
    keys = [(float(x), float(y), name) for x, y, name in texts if name in ("raw", long_name, "95th percentile 8.9 dB")]
    assert [k[2] for k in keys] == ["raw", long_name, "95th percentile 8.9 dB"]
    assert len({k[1] for k in keys}) == 1  # one row
    top = float(re.search(r'data-plot="[\d.]+ ([\d.]+) ', svg).group(1))
    assert keys[0][1] < top  # above the plot: a trace reaching the top is not drawn under the names
    for (x0, _, n0), (x1, _, _) in zip(keys, keys[1:]):
        assert x1 - x0 >= 6.0 * len(n0)  # the next entry starts past this one's name
    assert svg.count('class="ref"') == 1 and svg.count('class="ref-key"') == 1


def test_the_label_is_escaped_on_the_compare_page(raw):
    c = compare(ArraySource(raw, RATE), ArraySource(raw * 2.0, RATE), label='<i>"v2" & co</i>')
    page = render_compare_html(c)
    assert "<i>" not in page and "&lt;i&gt;&quot;v2&quot; &amp; co&lt;/i&gt;" in page
    p = _parse(page)
    assert any('What the <i>"v2" & co</i> did' in t for t in p.text)
    assert {name for name, _ in _chart(p, "short-term loudness of both renders")["lines"]} == {"raw", '<i>"v2" & co</i>'}


def test_compare_page_bars_read_the_shelf_the_pretreat_applied(raw):
    """A +4 dB low shelf at 120 Hz: each trusted bar is the shelf's response at its band (relative to
    500 Hz-2 kHz) within 0.5 dB, the compare's own tolerance for a known EQ."""
    b, a = shelf_ba(120.0, 4.0, RATE, "low")
    c = compare(ArraySource(raw, RATE, name="raw.wav"), ArraySource(apply_ba(raw, b, a), RATE, name="pre.wav"))
    bars = _chart(_parse(render_compare_html(c)), "tonal change per band")
    trusted = {f: db for f, db, cls in bars["bars"] if cls == "band"}
    assert len(trusted) >= 20
    fs = np.array(sorted(trusted))
    _, h = freqz(b, a, worN=fs, fs=RATE)
    _, h_ref = freqz(b, a, worN=np.geomspace(500.0, 2000.0, 7), fs=RATE)
    expect = 20 * np.log10(np.abs(h)) - np.mean(20 * np.log10(np.abs(h_ref)))
    got = np.array([trusted[f] for f in fs])
    assert np.max(np.abs(got - expect)) < 0.5, list(zip(fs, got.round(2), expect.round(2)))
    assert got[0] > 3.5  # 31.5 Hz: on the shelf's plateau


def test_report_flags_write_the_pages_and_never_overwrite(tmp_path, raw, capsys):
    rp, pp = write(tmp_path / "mix.wav", raw, RATE), write(tmp_path / "pre.wav", raw * 0.5, RATE)
    out = tmp_path / "reports"
    out.mkdir()
    assert main(["audit", str(rp), "--report", str(out)]) == 0
    assert main(["compare", str(rp), str(pp), "--report", str(out)]) == 0
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(first) == {"mix - audit.txt", "mix - audit.html", "mix - compare.txt", "mix - compare.json", "mix - compare.html"}
    for name in ("mix - audit.html", "mix - compare.html"):
        _parse(first[name].decode("utf-8"))
    assert main(["audit", str(rp), "--report", str(out)]) == 0
    assert main(["compare", str(rp), str(pp), "--report", str(out)]) == 0
    assert len(list(out.iterdir())) == 10
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name in first} == first
    err = capsys.readouterr().err
    assert err.count("report written to") == 10 and "audit.html" in err


def test_a_failing_page_leaves_no_report_behind(tmp_path, raw, monkeypatch):
    """The reports of one run appear together or not at all."""
    import masteraid.commands._common as cmd

    rp = write(tmp_path / "mix.wav", raw, RATE)
    out = tmp_path / "reports"
    out.mkdir()
    real = cmd.write_report

    def write_then_fail(folder, filename, text):
        if filename.endswith(".html"):
            raise OSError(28, "No space left on device")
        return real(folder, filename, text)

    monkeypatch.setattr(cmd, "write_report", write_then_fail)
    assert main(["audit", str(rp), "--report", str(out)]) != 0
    assert list(out.iterdir()) == []
