#!/usr/bin/env bash
# Prepares a Raspberry Pi (Raspberry Pi OS 64-bit) for the EdgeCnn service. Run as root; scripts/deploy.sh runs it
# on the first deploy. Safe to run again.
#   - apt packages the device needs: libgpiod (GPIO), v4l-utils (USB webcams), rpicam-apps-lite (Pi camera), and
#     what OpenCV's native library (libOpenCvSharpExtern.so) links against: GTK 3, libdrm, libatomic
#   - /etc/edgecnn, and /etc/edgecnn/secrets.env created empty with mode 0600 before anything can be written to it
#   - the 'edgecnn' service user, in the 'gpio', 'video' and 'i2c' groups (created when the image lacks them)
#   - udev rules giving the 'gpio' group the GPIO chips and PWM channels on images that do not already
#   - checks: GPIO chips, cameras, PWM; what it finds is printed
# When everything has succeeded it writes /etc/edgecnn/.setup-complete (with this script's SHA-256); deploy.sh runs it
# again on every deploy until that file exists, and again when a release brings a changed pi-setup.sh.
# Options: --no-apt (skip apt; for machines without network or apt)
set -euo pipefail
case "${1:-}" in -h|--help) awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; exit 0 ;; esac
apt=true
for arg in "$@"; do
  case "$arg" in
    --no-apt) apt=false ;;
    *) echo "usage: pi-setup.sh [--no-apt]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "error: run pi-setup.sh as root (sudo)." >&2; exit 1; }

if $apt && command -v apt-get >/dev/null; then
  apt-get update -qq
  # By their Debian 12 names; newer releases renamed some (libgpiod3, libgtk-3-0t64), which are taken when present.
  packages=()
  for wanted in libgpiod2:libgpiod3 v4l-utils libgtk-3-0:libgtk-3-0t64 libdrm2 libatomic1; do
    for name in ${wanted//:/ }; do
      if apt-cache show "$name" >/dev/null 2>&1; then packages+=("$name"); break; fi
    done
  done
  # The Pi camera's rpicam-vid exists only in Raspberry Pi OS's archive.
  apt-cache show rpicam-apps-lite >/dev/null 2>&1 && packages+=(rpicam-apps-lite)
  echo "pi-setup: installing ${packages[*]} ..."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

for group in gpio video i2c; do
  getent group "$group" >/dev/null || { groupadd --system "$group"; echo "pi-setup: created group $group"; }
done
if ! id edgecnn >/dev/null 2>&1; then
  useradd --system --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin --groups gpio,video,i2c edgecnn
  echo "pi-setup: created user edgecnn (groups gpio, video, i2c)"
else
  usermod -aG gpio,video,i2c edgecnn
fi

rules=/etc/udev/rules.d/60-edgecnn-gpio.rules
if [ ! -f "$rules" ]; then
  cat > "$rules.new" <<'RULES'
# EdgeCnn: the 'gpio' group may use the GPIO chips and PWM channels, 'i2c' the I2C buses (Raspberry Pi OS has equivalent rules already).
SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660"
SUBSYSTEM=="i2c-dev", GROUP="i2c", MODE="0660"
SUBSYSTEM=="pwm*", PROGRAM="/bin/sh -c 'chgrp -R gpio /sys/class/pwm && chmod -R g=u /sys/class/pwm'"
RULES
  mv -f "$rules.new" "$rules"
  # Without a running udevd (a container) there is nothing to reload; the rules apply at the next boot.
  if command -v udevadm >/dev/null && udevadm control --reload-rules 2>/dev/null; then
    udevadm trigger --subsystem-match=gpio --subsystem-match=pwm 2>/dev/null || true
  fi
  echo "pi-setup: installed $rules"
fi

# Settings may hold secrets: readable by the service's group only. secrets.env exists, empty and 0600, before
# anyone appends a password to it.
install -d -m 0750 -o root -g edgecnn /etc/edgecnn
[ -f /etc/edgecnn/secrets.env ] || install -m 0600 -o root -g root /dev/null /etc/edgecnn/secrets.env

echo "pi-setup: checks"
shopt -s nullglob
chips=(/dev/gpiochip*)
echo "  GPIO chips: ${chips[*]:-none (set Gpio:Driver to simulated on a machine without GPIO)}"
if command -v gpiodetect >/dev/null; then gpiodetect 2>/dev/null | sed 's/^/    /' || true; fi
cameras=(/dev/video*)
echo "  V4L2 devices: ${cameras[*]:-none}"
if command -v rpicam-hello >/dev/null; then
  rpicam-hello --list-cameras 2>&1 | head -8 | sed 's/^/    /' || true
fi
pwm=(/sys/class/pwm/pwmchip*)
echo "  PWM: ${pwm[*]:-none} (a passive buzzer needs dtoverlay=pwm in /boot/firmware/config.txt)"
shopt -u nullglob

# Which setup completed: a release whose pi-setup.sh differs (a group it now needs) runs it again.
{ date -u +%Y-%m-%dT%H:%M:%SZ; sha256sum "$0" | cut -d' ' -f1; } > /etc/edgecnn/.setup-complete
echo "pi-setup: done"

