#!/usr/bin/env bash
# A Pi-like target for tests and trials: Debian 12 (the base of Raspberry Pi OS) booted with systemd as PID 1 in
# systemd-nspawn, with a 'pi' user (sudo without password, as on the Pi) and sshd on a loopback port. No GPIO and no
# camera: the device runs there on a clip with the simulated GPIO driver. Needs root.
#
#   scripts/pibox.sh up        build the box once (cached), boot a fresh copy of it, wait until sshd answers
#   scripts/pibox.sh exec CMD  run CMD inside the box as root (e.g. scripts/pibox.sh exec systemctl status edgecnn)
#   scripts/pibox.sh ssh CMD   run CMD inside the box over ssh as pi, as deploy.sh does
#   scripts/pibox.sh info      print what deploy.sh needs: PI_TARGET, PI_PORT, PI_KEY (for eval)
#   scripts/pibox.sh down      power the box off and remove its copy (the cache stays)
#   scripts/pibox.sh rebuild   forget the cache; the next 'up' builds the box again
#   scripts/pibox.sh up --count 3          boot three boxes at once (a fleet): box I in $EDGECNN_PIBOX_DIR-I, sshd
#                                          on $EDGECNN_PIBOX_PORT+I-1, host name pibox-I, each its own machine-id
#   scripts/pibox.sh inventory --count 3   print an Ansible inventory of them (for fleet/playbook.yml)
#   scripts/pibox.sh down --count 3        power them all off
#
# The built box is cached in $EDGECNN_PIBOX_CACHE (default /var/cache/edgecnn-pibox), outside the repository and
# kept across runs; each 'up' boots a fresh copy of it under $EDGECNN_PIBOX_DIR (default /var/tmp/edgecnn-pibox).
# sshd listens on 127.0.0.1:$EDGECNN_PIBOX_PORT (default 2222): the box shares this machine's network.
set -euo pipefail
source "$(dirname "$0")/lib/help.sh" "$0" "${1:-}"
cache="${EDGECNN_PIBOX_CACHE:-/var/cache/edgecnn-pibox}"
work="${EDGECNN_PIBOX_DIR:-/var/tmp/edgecnn-pibox}"
port="${EDGECNN_PIBOX_PORT:-2222}"
name="${EDGECNN_PIBOX_NAME:-raspberrypi}"
mirror="${EDGECNN_PIBOX_MIRROR:-http://deb.debian.org/debian}"
root="$work/root"
key="$cache/id_ed25519"

usage() { print_usage "$0" >&2; exit 2; }
say() { echo "pibox: $*" >&2; }
[ $# -ge 1 ] || usage
[ "$(id -u)" -eq 0 ] || { echo "error: pibox.sh needs root (debootstrap and systemd-nspawn do)." >&2; exit 1; }

# The PID of the box's systemd (PID 1 inside), or nothing when the box is not running.
leader() {
  local nspawn
  nspawn="$(cat "$work/nspawn.pid" 2>/dev/null)" || return 0
  kill -0 "$nspawn" 2>/dev/null || return 0
  ps -o pid= --ppid "$nspawn" | head -1 | tr -d ' '
}

inside() {
  local pid
  pid="$(leader)"
  [ -n "$pid" ] || { echo "error: the box is not running; start it with scripts/pibox.sh up" >&2; exit 1; }
  nsenter -t "$pid" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"
}

build() {
  command -v debootstrap >/dev/null && command -v systemd-nspawn >/dev/null || {
    say "installing debootstrap and systemd-container ..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap systemd-container >/dev/null
  }
  say "building the box in $cache (once per machine; a few minutes) ..."
  rm -rf "$cache/rootfs.partial"
  mkdir -p "$cache"
  # dbus and systemd-sysv for a booted systemd; sudo, openssh-server and python3 (what Ansible runs) as on a Pi; libicu
  # for .NET's globalization.
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,openssh-server,sudo,ca-certificates,libicu72,procps,iproute2,udev,python3 \
    bookworm "$cache/rootfs.partial" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log" >&2; echo "error: debootstrap failed (log: $cache/debootstrap.log)." >&2; exit 1; }
  local r="$cache/rootfs.partial"
  echo raspberrypi > "$r/etc/hostname"
  printf '127.0.0.1 localhost\n127.0.1.1 raspberrypi\n' > "$r/etc/hosts"
  # The 'pi' user of Raspberry Pi OS: sudo without a password, logged in with a key.
  chroot "$r" useradd --create-home --shell /bin/bash --groups sudo pi
  echo 'pi ALL=(ALL) NOPASSWD: ALL' > "$r/etc/sudoers.d/010_pi-nopasswd"
  chmod 0440 "$r/etc/sudoers.d/010_pi-nopasswd"
  [ -f "$key" ] || ssh-keygen -q -t ed25519 -N '' -C edgecnn-pibox -f "$key"
  install -d -m 0700 -o 1000 -g 1000 "$r/home/pi/.ssh"
  install -m 0600 -o 1000 -g 1000 "$key.pub" "$r/home/pi/.ssh/authorized_keys"
  # Nothing in the box needs these, and on a shared network they would fight the host's.
  rm -f "$r/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
  chroot "$r" systemctl mask systemd-networkd.service systemd-resolved.service systemd-timesyncd.service getty@tty1.service >/dev/null 2>&1 || true
  mv -T "$r" "$cache/rootfs"
  say "built $cache/rootfs"
}

# A box cached before it had python3 (the fleet playbook needs it, as every Raspberry Pi OS has it) is built again.
current_cache() {
  if [ -d "$cache/rootfs" ] && [ ! -x "$cache/rootfs/usr/bin/python3" ]; then
    say "the cached box has no python3 (Ansible needs it): building it again"
    rm -rf "$cache/rootfs"
  fi
  [ -d "$cache/rootfs" ] || build
}

up() {
  current_cache
  [ -z "$(leader)" ] || { say "the box is already running"; return 0; }
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "error: port $port is taken on this machine; set EDGECNN_PIBOX_PORT to a free one." >&2
    exit 1
  fi
  rm -rf "$work"
  mkdir -p "$work"
  cp -a "$cache/rootfs" "$root"
  # Each box its own name and machine-id, as separate Pis have (the device's default MQTT id is made from them).
  echo "$name" > "$root/etc/hostname"
  printf '127.0.0.1 localhost\n127.0.1.1 %s\n' "$name" > "$root/etc/hosts"
  tr -d '-' < /proc/sys/kernel/random/uuid > "$root/etc/machine-id"
  printf 'Port %s\nListenAddress 127.0.0.1\nPasswordAuthentication no\n' "$port" > "$root/etc/ssh/sshd_config.d/pibox.conf"
  say "booting a fresh copy in $root ..."
  # --register=no --keep-unit: there is no host systemd bus to register with here.
  systemd-nspawn --quiet --register=no --keep-unit --boot --directory="$root" --machine="$name" >"$work/console.log" 2>&1 &
  echo $! > "$work/nspawn.pid"
  for _ in $(seq 1 120); do
    if [ -n "$(leader)" ]; then
      state="$(inside systemctl is-system-running 2>/dev/null || true)"
      # Up means pi can log in: boot finished, sshd answering, and no /run/nologin ("System is booting up").
      if [[ "$state" == running || "$state" == degraded ]] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null \
        && ! inside test -e /run/nologin && "$0" ssh true >/dev/null 2>&1; then
        say "up: systemd $state, sshd on 127.0.0.1:$port (ssh -i $key -p $port pi@127.0.0.1)"
        return 0
      fi
      # With several boxes booting on two cores, systemd-user-sessions (what removes /run/nologin) has been seen to
      # fail once; pi then cannot log in for good. Start it again, as an admin would.
      if [[ "$state" == degraded ]] && inside systemctl is-failed --quiet systemd-user-sessions.service; then
        say "systemd-user-sessions failed while booting; starting it again"
        inside systemctl restart systemd-user-sessions.service >/dev/null 2>&1 || true
      fi
    fi
    sleep 1
  done
  tail -20 "$work/console.log" >&2
  [ -z "$(leader)" ] || { echo "failed units in the box:" >&2; inside systemctl --failed --no-legend >&2 || true; }
  echo "error: the box did not boot within 120 s (console: $work/console.log)." >&2
  exit 1
}

down() {
  local nspawn
  nspawn="$(cat "$work/nspawn.pid" 2>/dev/null || true)"
  if [ -n "$(leader)" ]; then
    inside systemctl poweroff >/dev/null 2>&1 || true
    for _ in $(seq 1 30); do kill -0 "$nspawn" 2>/dev/null || break; sleep 1; done
  fi
  [ -n "$nspawn" ] && kill -9 "$nspawn" 2>/dev/null || true
  rm -rf "$work"
  say "down"
}

command="$1"; shift

# A fleet: the same command for boxes 1..N, each with its own folder, port and name (booted in parallel).
if [ "${1:-}" = "--count" ]; then
  count="${2:-}"
  [[ "$count" =~ ^[1-9][0-9]?$ ]] || { echo "error: --count $count: give a number of boxes, 1 to 99." >&2; exit 2; }
  [ "$command" != up ] || current_cache
  if [ "$command" = inventory ]; then
    echo "all:"; echo "  children:"; echo "    edgecnn:"; echo "      hosts:"
    for i in $(seq 1 "$count"); do
      echo "        pibox-$i: { ansible_host: 127.0.0.1, ansible_port: $((port + i - 1)), ansible_user: pi, ansible_ssh_private_key_file: $key }"
    done
    exit 0
  fi
  [[ "$command" =~ ^(up|down)$ ]] || usage
  pids=()
  for i in $(seq 1 "$count"); do
    EDGECNN_PIBOX_DIR="$work-$i" EDGECNN_PIBOX_PORT=$((port + i - 1)) EDGECNN_PIBOX_NAME="pibox-$i" "$0" "$command" &
    pids+=($!)
  done
  failed=0
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  exit "$failed"
fi

case "$command" in
  up) up ;;
  down) down ;;
  exec) [ $# -ge 1 ] || usage; inside "$@" ;;
  ssh) ssh -i "$key" -p "$port" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR pi@127.0.0.1 "$@" ;;
  info) printf 'PI_TARGET=pi@127.0.0.1\nPI_PORT=%s\nPI_KEY=%s\n' "$port" "$key" ;;
  rebuild) down; rm -rf "$cache/rootfs"; say "the next 'up' builds the box again" ;;
  *) usage ;;
esac
