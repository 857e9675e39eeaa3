import shutil

import pytest


def _require_ffmpeg():
    if shutil.which("ffmpeg") is None:
        pytest.fail("ffmpeg is required for the reference tests (.ci/run installs it from Debian)")


@pytest.fixture
def ffmpeg():
    """The ffmpeg binary; fails (never skips) when missing, since .ci/run installs it."""
    _require_ffmpeg()
    return shutil.which("ffmpeg")
