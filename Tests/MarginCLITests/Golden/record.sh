#!/usr/bin/env bash
# Records the golden outputs of `margin` for every case of cases.txt (run from anywhere; the commands run from the
# package root). Usage: Tests/MarginCLITests/Golden/record.sh path/to/margin
# Each expected/<name> holds "status N", the command's standard output (trailing newlines trimmed, one added), for
# cases writing @OUT the file written after "--- @OUT ---", and standard error after "--- stderr ---" when not empty.
# MarginGoldenTests composes the same text and compares byte for byte.
set -euo pipefail
exe=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
mkdir -p "$here/expected"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
while IFS='|' read -r name args; do
    [ -z "$name" ] && continue
    out="$tmp/out"
    rm -f "$out"
    # shellcheck disable=SC2086
    set +e
    stdout=$("$exe" ${args//@OUT/$out} 2>"$tmp/err")
    status=$?
    set -e
    {
        printf 'status %d\n' "$status"
        printf '%s\n' "${stdout//$out/@OUT}"
        if [ -f "$out" ]; then printf -- '--- @OUT ---\n'; cat "$out"; fi
        if [ -s "$tmp/err" ]; then printf -- '--- stderr ---\n'; cat "$tmp/err"; fi
    } > "$here/expected/$name"
done < "$here/cases.txt"
