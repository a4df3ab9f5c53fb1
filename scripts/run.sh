#!/usr/bin/env bash
# Sets up the machine, builds, and trains the default experiment headless
# (an MLP with ALI-G on the real Fashion-MNIST). Arguments after --headless go to
# alig-train, e.g.  ./scripts/run.sh --headless --epochs 1
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
BUILD_DIR=${ALIG_BUILD_DIR:-build}

# The desktop window arrives with the desktop-app issue; until then every run is headless.
if [[ "${1:-}" == "--headless" ]]; then
    shift
fi
exec "$BUILD_DIR/app/cli/alig-train" "$@"
