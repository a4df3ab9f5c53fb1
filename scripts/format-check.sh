#!/usr/bin/env bash
# Checks that every C++ and CUDA file of ours (.cpp, .h, .cu; the tracked ones and new ones
# not ignored by git, so build folders are left out) is formatted as .clang-format says, with
# clang-format 14 (Debian 12's). Lists the files that are not and exits 1; `--fix` formats
# them in place instead.
#   scripts/format-check.sh          check (what .ci/run does)
#   scripts/format-check.sh --fix    format the files that need it
set -euo pipefail
cd "$(dirname "$0")/.."
fix=0
[[ ${1:-} == --fix ]] && fix=1

clang_format=${CLANG_FORMAT:-}
if [[ -z $clang_format ]]; then
    for candidate in clang-format-14 clang-format; do
        if command -v "$candidate" >/dev/null 2>&1; then
            clang_format=$candidate
            break
        fi
    done
fi
if [[ -z $clang_format ]]; then
    echo "format-check: clang-format 14 not found (on Debian: apt-get install clang-format-14)" >&2
    exit 2
fi
version=$("$clang_format" --version)
if [[ $version != *"version 14."* ]]; then
    echo "format-check: $clang_format is not clang-format 14 ($version); set CLANG_FORMAT" >&2
    exit 2
fi

mapfile -t files < <(git ls-files --cached --others --exclude-standard -- \
    '*.cpp' '*.h' '*.cu' | sort -u | while read -r f; do [[ -f $f ]] && echo "$f"; done)

unformatted=()
for f in "${files[@]}"; do
    if ! "$clang_format" --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then
        unformatted+=("$f")
    fi
done

if ((${#unformatted[@]} == 0)); then
    echo "format-check: ${#files[@]} files, all formatted"
    exit 0
fi
if ((fix)); then
    "$clang_format" --style=file -i "${unformatted[@]}"
    printf 'format-check: formatted %s\n' "${unformatted[@]}"
    exit 0
fi
printf 'format-check: not formatted (scripts/format-check.sh --fix): %s\n' "${unformatted[@]}" >&2
exit 1
