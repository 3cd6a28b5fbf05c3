# Sourced first by every script: 'scripts/NAME.sh --help' (or -h) prints the script's opening comment (its usage)
# and exits 0, before the script does anything.
#   source "$(dirname "$0")/lib/help.sh" "$0" "${1:-}"
print_usage() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$1"; }
case "${2:-}" in -h|--help) print_usage "$1"; exit 0 ;; esac
