#!/usr/bin/env bash
# Builds ALI-G Studio's Debian package: a Release tree in build-package/ (installed under
# /usr, no tests, no benchmarks) and cpack -G DEB. Prints the path of the .deb last.
# Extra arguments go to CMake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
# dpkg-shlibdeps (dpkg-dev) computes the package's library dependencies.
./scripts/setup.sh dpkg-dev file
BUILD_DIR=${ALIG_PACKAGE_BUILD_DIR:-build-package}
generator=()
if command -v ninja >/dev/null 2>&1 && [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
    generator=(-G Ninja)
fi
cmake -S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX=/usr -DALIG_BUILD_TESTS=OFF -DALIG_BUILD_BENCH=OFF \
    -DALIG_PRESETS_FROM_SOURCE=OFF "$@" >/dev/null
cmake --build "$BUILD_DIR" --parallel "$(nproc)"
rm -f "$BUILD_DIR"/alig-studio_*.deb
(cd "$BUILD_DIR" && cpack -G DEB >/dev/null)
deb=$(ls "$BUILD_DIR"/alig-studio_*.deb)
dpkg-deb --field "$deb" Package Version Depends Recommends >&2
realpath "$deb"
