#!/usr/bin/env bash
# Run named stages in order, stop at the first that fails, and print every stage's time at the end.
# Usage: tools/stages.sh NAME COMMAND [NAME COMMAND]...
set -uo pipefail
names=() times=() results=()
report() {
    echo
    echo "stage times:"
    for i in "${!names[@]}"; do
        printf '  %-8s %6ss  %s\n' "${names[$i]}" "${times[$i]}" "${results[$i]}"
    done
}
trap report EXIT
while [ "$#" -ge 2 ]; do
    name=$1 command=$2
    shift 2
    started=$(date +%s)
    bash -c "$command"
    status=$?
    names+=("$name") times+=("$(($(date +%s) - started))")
    if [ "$status" -ne 0 ]; then
        results+=("FAILED (exit $status)")
        exit "$status"
    fi
    results+=("ok")
done
