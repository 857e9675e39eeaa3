"""The audit report (text and JSON document) and the ``masteraid audit`` command."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from masteraid import audit
from masteraid.audio import write
from masteraid.cli import main
from masteraid.report.audit import audit_document, render_audit_text
from masteraid.serialize import dumps

from .signals import music_like, sine
from .test_audit import clean

# ------------------------------------------------------------------ report on hand-built values


def test_text_report_has_verdict_findings_and_sections():
    m = clean(peaks={"true_peak_dbtp": 0.4})
    text = render_audit_text(m, audit.check(m))
    assert text.startswith("MasterAid audit: mix.wav\n") and text.endswith("\n")
    assert "Verdict  not ready: 1 error to look at" in text
    assert "ERROR   true_peak_over" in text
    for section in ("Loudness", "Peaks", "Dynamics", "Stereo", "Spectrum", "Start and end"):
        assert f"\n{section}" in text
    assert "-19.0 LUFS" in text and "+0.4 dBTP" in text
    assert max(len(line) for line in text.splitlines()) <= 100


def test_text_report_ready_and_silent():
    m = clean()
    assert "Verdict  ready for mastering" in render_audit_text(m, audit.check(m))
    ninf = -math.inf
    s = clean(loudness={"integrated_lufs": ninf, "max_momentary_lufs": ninf, "max_short_term_lufs": ninf,
                        "loudness_range_lu": math.nan},
              peaks={"sample_peak_dbfs": ninf, "true_peak_dbtp": ninf, "channel_true_peak_dbtp": (ninf, ninf)},
              dynamics={"plr_db": math.nan, "psr_db": math.nan})
    text = render_audit_text(s, audit.check(s))
    assert "-inf LUFS" in text and "n/a" in text and "nan" not in text.replace("n/a", "")


def test_json_document_shape_and_nulls():
    ninf = -math.inf
    m = clean(loudness={"integrated_lufs": ninf, "loudness_range_lu": math.nan})
    doc = json.loads(dumps(audit_document(m, audit.check(m))))
    assert doc["schema_version"] >= 1
    assert set(doc) >= {"file", "loudness", "peaks", "dynamics", "stereo", "spectrum", "edges", "findings"}
    assert doc["file"] == {"path": "/tmp/mix.wav", "sample_rate_hz": 48000, "channels": 2, "frames": 8640000,
                           "duration_s": 180.0, "format": "WAV", "subtype": "PCM_24", "bit_depth": 24,
                           "lossy": False}
    assert doc["loudness"]["integrated_lufs"] is None and doc["loudness"]["loudness_range_lu"] is None
    assert "momentary_lufs" not in doc["loudness"] and doc["loudness"]["series_included"] is False
    assert doc["findings"] == [{"severity": "error", "code": "silent", "message": doc["findings"][0]["message"],
                                "value": None, "unit": "LUFS"}]
    assert doc["summary"]["ready_for_mastering"] is False


def test_json_document_series_on_request():
    m = clean()
    doc = json.loads(dumps(audit_document(m, audit.check(m), include_series=True)))
    assert doc["loudness"]["momentary_lufs"] == [-20.0] * 10
