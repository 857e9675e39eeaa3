import json

import pytest

from masteraid.chain import ChainSpec, CompressorSpec, EqBand, LimiterSpec
from masteraid.errors import ConfigError
from masteraid.serialize import dumps


def _spec():
    return ChainSpec(
        target_lufs=-9.37,
        input_gain_db=-1.5,
        eq_bands=(EqBand("low_shelf", 100.0, 2.5, 0.707), EqBand("peaking", 3162.3, -1.73, 1.4)),
        compressor=CompressorSpec(threshold_db=-18.2, ratio=2.0, attack_ms=30.0, release_ms=250.0, knee_db=6.0, makeup_db=0.0),
        limiter=LimiterSpec(ceiling_dbtp=-1.0, lookahead_ms=5.0, release_ms=100.0, drive_db=7.123456789012345),
        notes=("why",),
    )


def test_json_round_trip_is_exact():
    spec = _spec()
    assert ChainSpec.from_json(spec.to_json()) == spec
    assert ChainSpec.from_json(spec.dumps()) == spec
    assert ChainSpec.from_json(json.loads(dumps(spec))) == spec
    no_comp = ChainSpec(target_lufs=-14.0, limiter=LimiterSpec(ceiling_dbtp=-1.0))
    assert ChainSpec.from_json(no_comp.dumps()) == no_comp


def test_json_carries_schema_version_and_plugin_units():
    d = _spec().to_json()
    assert d["schema_version"] == 1
    assert set(d["limiter"]) == {"ceiling_dbtp", "lookahead_ms", "release_ms", "drive_db"}
    assert set(d["compressor"]) == {"threshold_db", "ratio", "attack_ms", "release_ms", "knee_db", "makeup_db"}
    assert set(d["eq_bands"][0]) == {"kind", "frequency_hz", "gain_db", "q"}


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: EqBand("bell", 1000.0, 1.0, 1.0), "EqBand.kind"),
        (lambda: EqBand("peaking", 5.0, 1.0, 1.0), r"EqBand.frequency_hz = 5.0 .*\[10.0, 40000.0\]"),
        (lambda: EqBand("peaking", 1000.0, 30.0, 1.0), "EqBand.gain_db"),
        (lambda: EqBand("peaking", 1000.0, 1.0, 0.0), "EqBand.q"),
        (lambda: CompressorSpec(-20.0, 0.5, 10.0, 100.0, 6.0, 0.0), r"CompressorSpec.ratio = 0.5 .*\[1.0, 20.0\]"),
        (lambda: CompressorSpec(-20.0, 2.0, 10.0, 1.0, 6.0, 0.0), "CompressorSpec.release_ms"),
        (lambda: LimiterSpec(ceiling_dbtp=0.5), r"LimiterSpec.ceiling_dbtp = 0.5 .*\[-20.0, 0.0\]"),
        (lambda: LimiterSpec(ceiling_dbtp=-1.0, lookahead_ms=50.0), "LimiterSpec.lookahead_ms"),
        (lambda: LimiterSpec(ceiling_dbtp=float("nan")), "LimiterSpec.ceiling_dbtp must be a finite number"),
        (lambda: ChainSpec(target_lufs=0.0, limiter=LimiterSpec(-1.0)), "ChainSpec.target_lufs"),
        (lambda: ChainSpec(target_lufs=-14.0, limiter=LimiterSpec(-1.0), eq_bands=(EqBand("peaking", 1e3, 1.0, 1.0),) * 7), "at most 6"),
    ],
)
def test_out_of_range_settings_name_the_field(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


def test_other_schema_version_is_refused():
    d = _spec().to_json()
    d["schema_version"] = 99
    with pytest.raises(ConfigError, match="schema_version"):
        ChainSpec.from_json(d)
    with pytest.raises(ConfigError, match="not valid JSON"):
        ChainSpec.from_json("{nope")
    d = _spec().to_json()
    del d["limiter"]
    with pytest.raises(ConfigError, match="missing"):
        ChainSpec.from_json(d)
