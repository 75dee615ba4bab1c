#!/usr/bin/env bash
# Print the path of a Python the grader can run on (3.11 or later: it needs
# tomllib): the first of python3.13, python3.12, python3.11 and python3 on
# PATH that is recent enough. With --install, when none is, install
# python3.11 with apt (Ubuntu 22.04 has it in the universe component, which
# is enabled first) and look again. When there is still none, say what was
# found and exit 1. Messages go to stderr; stdout holds only the path.
set -uo pipefail

CANDIDATES=(python3.13 python3.12 python3.11 python3)
MINIMUM_MINOR=11  # of Python 3
APT_SOURCES=${APT_SOURCES:-/etc/apt/sources.list /etc/apt/sources.list.d}

# The "major.minor" version of the interpreter $1; fails when it does not run.
version_of() {
    "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null
}

# Whether the version $1 ("3.12") is at least 3.$MINIMUM_MINOR.
recent_enough() {
    local major=${1%%.*} minor=${1#*.}
    [[ $major =~ ^[0-9]+$ && $minor =~ ^[0-9]+$ ]] || return 1
    ((major > 3 || (major == 3 && minor >= MINIMUM_MINOR)))
}

# Print the path of the first recent enough candidate on PATH.
find_python() {
    local name path version
    for name in "${CANDIDATES[@]}"; do
        path=$(command -v "$name") || continue
        version=$(version_of "$path") || continue
        if recent_enough "$version"; then
            printf '%s\n' "$path"
            return 0
        fi
    done
    return 1
}

# Print what each candidate is, e.g. "python3.13: none; python3: 3.10".
describe_candidates() {
    local name path version separator=""
    for name in "${CANDIDATES[@]}"; do
        if ! path=$(command -v "$name"); then
            version=none
        elif ! version=$(version_of "$path"); then
            version="does not run"
        fi
        printf '%s%s: %s' "$separator" "$name" "$version"
        separator="; "
    done
    printf '\n'
}

# Enable Ubuntu's universe component unless an active apt source names it already.
enable_universe() {
    local sources
    # shellcheck disable=SC2086  # APT_SOURCES is a list of paths
    sources=$(grep -rhsv '^[[:space:]]*#' $APT_SOURCES)
    if grep -qw universe <<<"$sources"; then
        return 0
    fi
    echo "pick_python: enabling the universe component" >&2
    if ! command -v add-apt-repository >/dev/null; then
        apt-get install -y -q software-properties-common || return 1
    fi
    add-apt-repository -y universe
}

install_python() {
    echo "pick_python: no Python >= 3.$MINIMUM_MINOR on PATH; installing python3.11 with apt" >&2
    apt-get update -q || return 1
    enable_universe || return 1
    apt-get update -q || return 1
    apt-get install -y -q python3.11 python3.11-venv
}

main() {
    if find_python; then
        return 0
    fi
    if [[ ${1:-} == --install ]]; then
        install_python >&2 || echo "pick_python: installing python3.11 failed" >&2
        hash -r
        if find_python; then
            return 0
        fi
    fi
    echo "pick_python: no Python >= 3.$MINIMUM_MINOR found (the grader needs it); found $(describe_candidates)" >&2
    return 1
}

main "$@"
