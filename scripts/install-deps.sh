#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages EdgeCnn needs on a desktop, only those that are missing.
# Usage: scripts/install-deps.sh [extra-package ...]
#   libgtk-3-0   OpenCvSharp's x64 native library links against it; without it the first OpenCV call fails.
set -euo pipefail
source "$(dirname "$0")/lib/help.sh" "$0" "${1:-}"

packages=(libgtk-3-0 "$@")
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "Installing ${missing[*]} ..."
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
