#!/usr/bin/env bash
# Checks ALI-G Studio's .deb with lintian (no errors, no warnings), then installs it as a
# user would and checks the installed program: both commands run, alig-train finds its
# presets in /usr/share and trains, the Python logger imports from Debian's python3 and
# writes a run that alig-train exports, and the desktop entry, icons, AppStream metainfo
# and man pages are in place and valid. Removes the package at the end. Needs root (or sudo).
#   scripts/package-test.sh                 # builds the .deb with scripts/package.sh first
#   scripts/package-test.sh FILE.deb        # tests that package
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh appstream desktop-file-utils man-db groff-base lintian python3
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

if [[ $# -gt 0 ]]; then
    deb=$(realpath "$1")
else
    deb=$(./scripts/package.sh | tail -n 1)
fi
echo "package-test: $deb"
if dpkg-query -W -f='${Status}' alig-studio 2>/dev/null | grep -q "ok installed"; then
    echo "package-test: alig-studio is already installed; remove it first (dpkg -r alig-studio)" >&2
    exit 1
fi

ID=io.github.alig_studio.AligStudio
work=$(mktemp -d)
cleanup() {
    $SUDO dpkg -r alig-studio >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
step() { echo "package-test: $*"; }
fail() { echo "package-test: FAILED: $*" >&2; exit 1; }

step "lintian (errors and warnings fail)"
# --fail-on error,warning: lintian's default display level, with a non-zero exit on either.
lintian --fail-on error,warning --tag-display-limit 0 "$deb" >"$work/lintian.log" 2>&1 \
    || { cat "$work/lintian.log" >&2; fail "lintian $deb"; }
[[ ! -s "$work/lintian.log" ]] || cat "$work/lintian.log"

step "installing (apt-get resolves the Depends)"
$SUDO apt-get install -y --no-install-recommends "$deb" >"$work/apt.log" 2>&1 \
    || { cat "$work/apt.log" >&2; fail "apt-get install $deb"; }

step "files in place"
for f in /usr/bin/alig-train /usr/bin/alig-studio \
         /usr/share/alig-studio/presets/spirals-mlp-alig.json \
         /usr/share/applications/$ID.desktop \
         /usr/share/metainfo/$ID.metainfo.xml \
         /usr/share/icons/hicolor/scalable/apps/$ID.svg \
         /usr/share/icons/hicolor/{16x16,32x32,48x48,64x64,128x128,256x256}/apps/$ID.png \
         /usr/share/man/man1/alig-train.1.gz /usr/share/man/man1/alig-studio.1.gz \
         /usr/share/doc/alig-studio/copyright /usr/share/doc/alig-studio/changelog.gz \
         /usr/lib/python3/dist-packages/alig_studio/__init__.py \
         /usr/lib/python3/dist-packages/alig_studio/_schema.py; do
    [[ -f "$f" ]] || fail "missing $f"
done

step "desktop entry and metainfo validate"
desktop-file-validate /usr/share/applications/$ID.desktop
grep -q "^Icon=$ID$" /usr/share/applications/$ID.desktop || fail "desktop entry's Icon"
appstreamcli validate --no-net /usr/share/metainfo/$ID.metainfo.xml

step "man pages render"
for page in alig-train alig-studio; do
    warnings=$(zcat /usr/share/man/man1/$page.1.gz | groff -man -Tutf8 -ww -z 2>&1)
    [[ -z "$warnings" ]] || fail "man $page: $warnings"
    MANWIDTH=80 man -l /usr/share/man/man1/$page.1.gz | grep -q "^NAME" || fail "man $page"
done

# Run from an empty folder as a user would, away from the source tree.
cd "$work"
export HOME="$work/home" XDG_DATA_HOME="$work/home/.local/share" XDG_RUNTIME_DIR="$work/xdg"
mkdir -p "$HOME" && mkdir -m 700 "$XDG_RUNTIME_DIR"

step "$(/usr/bin/alig-train --version)"
# Presets come from /usr/share: a packaged program must not know the tree it was built in.
if grep -qaF "$OLDPWD/resources/presets" /usr/bin/alig-train; then
    fail "/usr/bin/alig-train looks for presets in $OLDPWD (build with package.sh)"
fi
/usr/bin/alig-train --list-presets >"$work/presets.txt"
grep -q "^spirals-mlp-alig " "$work/presets.txt" || fail "alig-train --list-presets"
step "$(wc -l <"$work/presets.txt") presets found"

step "a short headless training"
/usr/bin/alig-train --preset spirals-mlp-alig --epochs 2 --out "$work/run" --quiet
[[ -f "$work/run/run.json" ]] || fail "no run.json in $work/run"
grep -q '"status": *"completed"' "$work/run/run.json" || fail "run.json: not completed"

step "the Python logger, from Debian's python3"
/usr/bin/python3 - "$work/py-run" <<'PY'
import sys
import alig_studio
with alig_studio.Run(sys.argv[1], config={"optimizer": "sgd"}) as run:
    for step in range(1, 11):
        run.log_step(loss=1.0 / step, step_size=0.1)
    run.log_epoch(train_loss=0.1)
PY
/usr/bin/alig-train export-tensorboard "$work/py-run" >/dev/null || fail "export of the Python run"
grep -q '"status": *"completed"' "$work/py-run/run.json" || fail "the Python run: not completed"

step "$(QT_QPA_PLATFORM=offscreen /usr/bin/alig-studio --version)"

cd - >/dev/null
step "removing"
$SUDO dpkg -r alig-studio >/dev/null
[[ ! -e /usr/bin/alig-train ]] || fail "/usr/bin/alig-train left behind"
echo "package-test: all passed"
