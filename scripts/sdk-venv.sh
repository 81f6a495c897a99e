#!/usr/bin/env bash
# Makes (once) a Python virtual environment with the official Tencent Cloud SDK for the Omics
# API, for tests/sdk.rs: the SDK is a second, independent client of the simulator. Prints the
# environment's python on stdout (everything else goes to stderr), so that
#     export OMTOP_SDK_PYTHON=$(scripts/sdk-venv.sh)
# sets up the test. Needs python3 with the venv module (Debian: python3-venv) and, the first
# time, access to PyPI. Where: $OMTOP_SDK_VENV, default target/sdk-venv.
set -euo pipefail
cd "$(dirname "$0")/.."

# Exact versions: 3.1.150 is the omics package whose v20221128 models have DescribeProjects
# and GetRunJobLog; it needs common >= 3.1.150.
OMICS_VERSION=3.1.150
COMMON_VERSION=3.1.195

VENV=${OMTOP_SDK_VENV:-target/sdk-venv}
mkdir -p "$(dirname "$VENV")"
VENV=$(cd "$(dirname "$VENV")" && pwd)/$(basename "$VENV")
PY=$VENV/bin/python

installed() {
    "$PY" - "$OMICS_VERSION" "$COMMON_VERSION" 2>/dev/null <<'EOF'
import sys
from importlib.metadata import version
want = {"tencentcloud-sdk-python-omics": sys.argv[1], "tencentcloud-sdk-python-common": sys.argv[2]}
ok = all(version(name) == v for name, v in want.items())
from tencentcloud.omics.v20221128 import models
ok = ok and all(hasattr(models, m) for m in ("DescribeProjectsRequest", "GetRunJobLogRequest"))
sys.exit(0 if ok else 1)
EOF
}

if [ -x "$PY" ] && installed; then
    echo "$PY"
    exit 0
fi

if [ ! -x "$PY" ]; then
    echo "== creating $VENV" >&2
    rm -rf "$VENV"
    python3 -m venv "$VENV" >&2
fi
echo "== installing tencentcloud-sdk-python-omics==$OMICS_VERSION" >&2
"$PY" -m pip install --quiet --disable-pip-version-check \
    "tencentcloud-sdk-python-omics==$OMICS_VERSION" \
    "tencentcloud-sdk-python-common==$COMMON_VERSION" >&2
if ! installed; then
    echo "sdk-venv: the SDK in $VENV is not the pinned version after installing" >&2
    exit 1
fi
echo "$PY"
