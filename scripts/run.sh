#!/usr/bin/env bash
# Sets up the machine, builds, and opens ALI-G Studio's window. With --headless, or when
# there is no display, trains the default experiment without a window instead (an MLP
# with ALI-G on the real Fashion-MNIST). Other arguments go to the program, e.g.
#   ./scripts/run.sh --preset spirals-mlp-alig
#   ./scripts/run.sh --headless --epochs 1
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
BUILD_DIR=${ALIG_BUILD_DIR:-build}

headless=0
if [[ "${1:-}" == "--headless" ]]; then
    headless=1
    shift
elif [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
    echo "run.sh: no display found; training headless (use xvfb-run for the window)" >&2
    headless=1
fi
if [[ $headless -eq 1 || ! -x "$BUILD_DIR/app/gui/alig-studio" ]]; then
    exec "$BUILD_DIR/app/cli/alig-train" "$@"
fi
exec "$BUILD_DIR/app/gui/alig-studio" "$@"
