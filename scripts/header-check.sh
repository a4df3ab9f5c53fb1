#!/usr/bin/env bash
# Compiles every header of ui/ (or the headers named) on its own (one translation unit holding just that
# include, without the precompiled header that hides a missing include), and Qt's headers
# before LibTorch's: no header may depend on what was included before it. Needs a configured
# build folder for the flags (its compile_commands.json).
#   scripts/header-check.sh [build-dir] [header...]   (default: build/, every header of ui/)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-${ALIG_BUILD_DIR:-build}}
shift || true
[[ -f $BUILD_DIR/compile_commands.json ]] || {
    echo "header-check: no $BUILD_DIR/compile_commands.json (configure first)" >&2
    exit 2
}

# The flags of one source file of each target, without its output, input and PCH.
flags_of() {
    python3 - "$BUILD_DIR/compile_commands.json" "$1" <<'PY'
import json, shlex, sys
for entry in json.load(open(sys.argv[1])):
    if entry["file"].endswith(sys.argv[2]):
        args = shlex.split(entry["command"])[1:]
        out, skip = [], False
        for a in args:
            if skip:
                skip = False
                continue
            if a in ("-o", "-c", "-include"):
                skip = True
                continue
            if a.startswith("-Winvalid-pch") or a.endswith(".cpp"):
                continue
            out.append(a)
        print(shlex.join(out))
        break
PY
}
core_flags=$(flags_of core/experiment/run_store.cpp)
ui_flags=$(flags_of ui/run/run.cpp)
compiler=$(python3 -c "import json,shlex,sys; print(shlex.split(json.load(open(sys.argv[1]))[0]['command'])[0])" \
    "$BUILD_DIR/compile_commands.json")

headers=("$@")
if ((${#headers[@]} == 0)); then
    mapfile -t headers < <(git ls-files --cached --others --exclude-standard -- 'ui/*.h')
fi

check() {
    local header=$1 flags
    case $header in
    ui/*) flags=$ui_flags ;;
    *) flags=$core_flags ;;
    esac
    if ! printf '#include "%s"\n' "$header" |
        eval "\"\$compiler\" $flags -fsyntax-only -x c++ -" 2>"$tmp/$(echo "$header" | tr / _).log"; then
        echo "header-check: $header does not compile on its own:" >&2
        head -n 20 "$tmp/$(echo "$header" | tr / _).log" >&2
        return 1
    fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export -f check
export compiler core_flags ui_flags tmp

failed=0
printf '%s\n' "${headers[@]}" | xargs -P "$(nproc)" -I{} bash -c 'check "$@"' _ {} || failed=1
# Qt first, then LibTorch: what broke before ui/ was built with QT_NO_KEYWORDS.
printf '#include <QtWidgets/QtWidgets>\n#include <torch/torch.h>\n' |
    eval "\"\$compiler\" $ui_flags -fsyntax-only -x c++ -" || {
    echo "header-check: LibTorch does not compile after Qt's headers" >&2
    failed=1
}
((failed == 0)) && echo "header-check: ${#headers[@]} headers compile on their own"
exit $failed
