#!/usr/bin/env bash
# Deploys a published release (scripts/publish.sh) to a Raspberry Pi over ssh/scp, with keys only (BatchMode).
#
#   scripts/deploy.sh pi@raspberrypi.local                      deploy artifacts/edgecnn-device-linux-arm64
#   scripts/deploy.sh pi@raspberrypi.local --config my.json     also install settings as /etc/edgecnn/edgecnn.json
#   scripts/deploy.sh pi@raspberrypi.local --model models/shoes.onnx
#                                                               also install a model (and its manifest shoes.json)
#                                                               into /etc/edgecnn/models/, used instead of the shipped one
#   scripts/deploy.sh pi@raspberrypi.local --rollback           return to the previous release
#
# On the Pi: releases live in /opt/edgecnn/releases/VERSION, /opt/edgecnn/current is a symlink switched atomically,
# settings are in /etc/edgecnn/, the unit is /etc/systemd/system/edgecnn.service. The first deploy runs pi-setup.sh
# (packages, the 'edgecnn' user in the 'gpio' and 'video' groups). After switching, the service is restarted and
# must report ready (systemd Type=notify: after its first classified frame) and stay so for 5 seconds within --wait
# seconds, else everything the deploy changed (release, settings, model, unit) is put back. Deploying the same
# release and settings again changes nothing.
#
# Other options:
#   --from DIR          the published folder (default artifacts/edgecnn-device-linux-arm64)
#   -p, --port PORT     ssh port;  -i, --identity KEY  ssh key
#   --wait SECONDS      how long the service may take to become ready (default 120)
#   --no-systemctl      do not touch systemd (a target without it, or a test); also skips pi-setup.sh
#   --prefix DIR        install under DIR on the target instead of / (tests); implies no sudo
# Extra ssh options can be given in EDGECNN_SSH_OPTIONS, e.g. "-o StrictHostKeyChecking=accept-new".
set -euo pipefail
source "$(dirname "$0")/lib/help.sh" "$0" "${1:-}"
cd "$(dirname "$0")/.."

usage() { print_usage "$0" >&2; exit 2; }
[ $# -ge 1 ] || usage
target="$1"; shift
[[ "$target" == -* ]] && usage
from="artifacts/edgecnn-device-linux-arm64"
model=""; config=""; rollback=false; port=""; identity=""; wait_seconds=120; systemctl=true; prefix=""
while [ $# -gt 0 ]; do
  case "$1" in
    --from) from="$2"; shift ;;
    --model) model="$2"; shift ;;
    --config) config="$2"; shift ;;
    --rollback) rollback=true ;;
    -p|--port) port="$2"; shift ;;
    -i|--identity) identity="$2"; shift ;;
    --wait) wait_seconds="$2"; shift ;;
    --no-systemctl) systemctl=false ;;
    --prefix) prefix="$2"; shift ;;
    *) echo "error: unknown option $1" >&2; usage ;;
  esac
  shift
done

common=(-o BatchMode=yes -o ConnectTimeout=10)
[ -n "$identity" ] && common+=(-i "$identity")
# shellcheck disable=SC2206 # word splitting of the user's extra options is intended
[ -n "${EDGECNN_SSH_OPTIONS:-}" ] && common+=(${EDGECNN_SSH_OPTIONS})
ssh_options=("${common[@]}"); scp_options=("${common[@]}")
if [ -n "$port" ]; then ssh_options+=(-p "$port"); scp_options+=(-P "$port"); fi

remote() { ssh "${ssh_options[@]}" "$target" "$@"; }

# Whatever this leaves here (the staged upload, ssh's error) and on the target (the upload folder, which may hold the
# settings and their secrets) is removed on every way out.
staging="$(mktemp -d)"
incoming=""
cleanup() {
  rm -rf "$staging"
  if [[ "$incoming" =~ ^/tmp/edgecnn-deploy\.[A-Za-z0-9]+$ ]]; then remote "rm -rf $incoming" 2>/dev/null || true; fi
}
trap cleanup EXIT

if ! remote true 2>"$staging/ssh-error"; then
  echo "error: cannot log in to $target with a key ($(tail -1 "$staging/ssh-error"))." >&2
  echo "       Set up a key once: ssh-keygen -t ed25519 && ssh-copy-id $target" >&2
  exit 1
fi

# Everything the target needs is one script, run there with bash; its settings come first, checked here and quoted
# (%q), so that nothing in them (a version such as v1';id;') can run as a command on the target.
[[ "$wait_seconds" =~ ^[0-9]+$ ]] && [ "$wait_seconds" -ge 1 ] || { echo "error: --wait $wait_seconds: give a number of seconds." >&2; exit 2; }
[[ "$prefix" =~ ^[A-Za-z0-9._/+-]*$ ]] || { echo "error: --prefix $prefix: use a plain path (letters, digits, . _ / + -)." >&2; exit 2; }
stable_seconds=$(( wait_seconds < 5 ? 1 : 5 ))
settings="$(printf 'prefix=%q systemctl=%q wait_seconds=%q stable_seconds=%q' "$prefix" "$systemctl" "$wait_seconds" "$stable_seconds")"

# The target's half runs as root (through sudo -n unless logging in as root): the settings it compares and saves are
# readable by root and the service only. With --prefix (tests) it runs as the user who logs in.
run_remote() {
  local assignments="$settings $1"
  if [ -n "$prefix" ]; then
    remote "env $assignments bash -s" < scripts/deploy-remote.sh
  else
    remote "if [ \"\$(id -u)\" -eq 0 ]; then env $assignments bash -s; else sudo -n env $assignments bash -s; fi" < scripts/deploy-remote.sh
  fi
}

if $rollback; then
  run_remote "mode=rollback"
  exit
fi

[ -f "$from/VERSION" ] || { echo "error: $from/VERSION not found; publish first: scripts/publish.sh" >&2; exit 1; }
version="$(cat "$from/VERSION")"
[[ "$version" =~ ^[A-Za-z0-9._+-]+$ ]] || { echo "error: $from/VERSION holds '$version'; a version is letters, digits and . _ + - only (publish again)." >&2; exit 1; }
if [ -n "$model" ]; then
  [ -f "$model" ] || { echo "error: --model $model: file not found." >&2; exit 1; }
  [ -f "${model%.*}.json" ] || { echo "error: --model $model: its manifest ${model%.*}.json is missing (edgecnn-train export writes both)." >&2; exit 1; }
fi
[ -z "$config" ] || [ -f "$config" ] || { echo "error: --config $config: file not found." >&2; exit 1; }

tar -C "$from" -czf "$staging/release.tar.gz" .
upload=("$staging/release.tar.gz")
if [ -n "$model" ]; then
  cp "$model" "$staging/model.onnx"; cp "${model%.*}.json" "$staging/model.json"
  echo "$(basename "$model")" > "$staging/model.name"
  upload+=("$staging/model.onnx" "$staging/model.json" "$staging/model.name")
fi
if [ -n "$config" ]; then cp "$config" "$staging/edgecnn.json"; upload+=("$staging/edgecnn.json"); fi

made="$(remote mktemp -d /tmp/edgecnn-deploy.XXXXXX)"
[[ "$made" =~ ^/tmp/edgecnn-deploy\.[A-Za-z0-9]+$ ]] || { echo "error: the target made an unexpected upload folder '$made'." >&2; exit 1; }
incoming="$made"
echo "Copying release $version to $target ..."
scp -q "${scp_options[@]}" "${upload[@]}" "$target:$incoming/"
run_remote "mode=deploy $(printf 'version=%q incoming=%q' "$version" "$incoming")"
