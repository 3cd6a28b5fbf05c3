#!/usr/bin/env bash
# Prepares a Raspberry Pi (Raspberry Pi OS 64-bit) for the EdgeCnn service. Run as root; scripts/deploy.sh runs it
# on the first deploy. Safe to run again.
#   - apt packages the device needs: libgpiod (GPIO), v4l-utils (USB webcams), rpicam-apps-lite (Pi camera)
#   - the 'edgecnn' service user, in the 'gpio' and 'video' groups (created when the image lacks them)
#   - udev rules giving the 'gpio' group the GPIO chips and PWM channels on images that do not already
#   - checks: GPIO chips, cameras, PWM; what it finds is printed
# Options: --no-apt (skip apt; for machines without network or apt)
set -euo pipefail
apt=true
for arg in "$@"; do
  case "$arg" in
    --no-apt) apt=false ;;
    *) echo "usage: pi-setup.sh [--no-apt]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "error: run pi-setup.sh as root (sudo)." >&2; exit 1; }

if $apt && command -v apt-get >/dev/null; then
  packages=(libgpiod2 v4l-utils)
  # The Pi camera's rpicam-vid exists only in Raspberry Pi OS's archive.
  apt-cache show rpicam-apps-lite >/dev/null 2>&1 && packages+=(rpicam-apps-lite)
  apt-cache show libgpiod2 >/dev/null 2>&1 || packages=("${packages[@]/libgpiod2/libgpiod3}")
  echo "pi-setup: installing ${packages[*]} ..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

for group in gpio video; do
  getent group "$group" >/dev/null || { groupadd --system "$group"; echo "pi-setup: created group $group"; }
done
if ! id edgecnn >/dev/null 2>&1; then
  useradd --system --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin --groups gpio,video edgecnn
  echo "pi-setup: created user edgecnn (groups gpio, video)"
else
  usermod -aG gpio,video edgecnn
fi

rules=/etc/udev/rules.d/60-edgecnn-gpio.rules
if [ ! -f "$rules" ]; then
  cat > "$rules" <<'RULES'
# EdgeCnn: the 'gpio' group may use the GPIO chips and PWM channels (Raspberry Pi OS has equivalent rules already).
SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660"
SUBSYSTEM=="pwm*", PROGRAM="/bin/sh -c 'chgrp -R gpio /sys/class/pwm && chmod -R g=u /sys/class/pwm'"
RULES
  command -v udevadm >/dev/null && udevadm control --reload-rules && udevadm trigger --subsystem-match=gpio --subsystem-match=pwm || true
  echo "pi-setup: installed $rules"
fi
install -d -m 0755 /etc/edgecnn

echo "pi-setup: checks"
chips=$(ls /dev/gpiochip* 2>/dev/null | tr '\n' ' ')
echo "  GPIO chips: ${chips:-none (set Gpio:Driver to simulated on a machine without GPIO)}"
command -v gpiodetect >/dev/null && gpiodetect 2>/dev/null | sed 's/^/    /' || true
cams=$(ls /dev/video* 2>/dev/null | tr '\n' ' ')
echo "  V4L2 devices: ${cams:-none}"
if command -v rpicam-hello >/dev/null; then
  rpicam-hello --list-cameras 2>&1 | sed 's/^/    /' | head -8 || true
fi
echo "  PWM: $(ls -d /sys/class/pwm/pwmchip* 2>/dev/null | tr '\n' ' ' || true)(a passive buzzer needs dtoverlay=pwm in /boot/firmware/config.txt)"
