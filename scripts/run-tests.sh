#!/usr/bin/env bash
# Install what the tests need, then run them. This is the README's test command; .ci/run calls it.
#   - ffmpeg (Debian): an independent loudness/true-peak reference in the tests (its ebur128 filter)
#   - the package with its `test` extra: pytest, pyloudnorm and pyebur128 (libebur128) as references
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v ffmpeg >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq ffmpeg >/dev/null
fi
python -m pip install -q -e '.[test]'
python -m pytest -q "$@"
