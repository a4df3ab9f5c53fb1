#!/usr/bin/env bash
# Builds ALI-G Studio's Debian package: a Release tree in build-package/ (installed under
# /usr, no tests, no benchmarks, Debian's hardening flags from dpkg-buildflags) and cpack -G
# DEB. Prints the path of the .deb last. Extra arguments go to CMake's configure step.
#
# The Maintainer field (and the changelog's signature) is whoever builds the package: the
# first of ALIG_PACKAGE_MAINTAINER="Name <mail>", DEBFULLNAME and DEBEMAIL (as dch reads
# them), or git's user.name and user.email. With none of them the build stops and says so.
# ALIG_PACKAGE_HOMEPAGE=URL sets the Homepage field and the metainfo's homepage; without it
# both are left out.
set -euo pipefail
cd "$(dirname "$0")/.."
# dpkg-shlibdeps (dpkg-dev) computes the package's library dependencies.
./scripts/setup.sh dpkg-dev file
BUILD_DIR=${ALIG_PACKAGE_BUILD_DIR:-build-package}

maintainer=${ALIG_PACKAGE_MAINTAINER:-}
if [[ -z "$maintainer" && -n "${DEBFULLNAME:-}" && -n "${DEBEMAIL:-}" ]]; then
    maintainer="$DEBFULLNAME <$DEBEMAIL>"
fi
if [[ -z "$maintainer" ]] && command -v git >/dev/null 2>&1; then
    name=$(git config user.name 2>/dev/null || true)
    mail=$(git config user.email 2>/dev/null || true)
    [[ -n "$name" && -n "$mail" ]] && maintainer="$name <$mail>"
fi
if [[ -z "$maintainer" ]]; then
    echo "package.sh: who maintains this package? Set ALIG_PACKAGE_MAINTAINER=\"Name <mail>\"" \
        "(or DEBFULLNAME and DEBEMAIL, or git's user.name and user.email)" >&2
    exit 2
fi

# Debian's flags for packages: fortified functions, stack protector, RELRO and BIND_NOW
# (lintian checks them). Release's -O3 comes after them and wins over their -O2.
export DEB_BUILD_MAINT_OPTIONS=${DEB_BUILD_MAINT_OPTIONS:-hardening=+all}
cppflags=$(dpkg-buildflags --get CPPFLAGS)
# Without -g: the binaries are stripped anyway, and LibTorch's templates make it slow.
cxxflags=$(dpkg-buildflags --get CXXFLAGS | sed 's/\(^\| \)-g\( \|$\)/ /')
ldflags=$(dpkg-buildflags --get LDFLAGS)

generator=()
if command -v ninja >/dev/null 2>&1 && [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
    generator=(-G Ninja)
fi
cmake -S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX=/usr -DALIG_BUILD_TESTS=OFF -DALIG_BUILD_BENCH=OFF \
    -DALIG_PRESETS_FROM_SOURCE=OFF "-DALIG_PACKAGE_MAINTAINER=$maintainer" \
    "-DALIG_PACKAGE_HOMEPAGE=${ALIG_PACKAGE_HOMEPAGE:-}" \
    "-DCMAKE_CXX_FLAGS=$cppflags $cxxflags" "-DCMAKE_EXE_LINKER_FLAGS=$ldflags" \
    "-DCMAKE_SHARED_LINKER_FLAGS=$ldflags" "$@" >/dev/null
cmake --build "$BUILD_DIR" --parallel "$(nproc)"
rm -f "$BUILD_DIR"/alig-studio_*.deb
(cd "$BUILD_DIR" && cpack -G DEB >/dev/null)
deb=$(ls "$BUILD_DIR"/alig-studio_*.deb)
dpkg-deb --field "$deb" Package Version Maintainer Homepage Depends Recommends >&2
realpath "$deb"
