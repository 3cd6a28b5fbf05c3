# The target's half of scripts/deploy.sh, sent over ssh and run with bash. deploy.sh sets: mode (deploy|rollback),
# prefix, systemctl (true|false), wait_seconds, and for a deploy: version, incoming (the uploaded files).
set -euo pipefail
sudo=""
if [ -z "$prefix" ] && [ "$(id -u)" -ne 0 ]; then sudo="sudo -n"; fi
base="$prefix/opt/edgecnn"
releases="$base/releases"
current="$base/current"
previous="$base/previous"
etc="$prefix/etc/edgecnn"
unit="$prefix/etc/systemd/system/edgecnn.service"
changed=false
model_changed=false

say() { echo "[$(hostname)] $*"; }

# Points $2 (a symlink) at $1 atomically: a new link renamed over the old one, never a moment without one.
switch_link() {
  $sudo ln -sfn "$1" "$2.new"
  $sudo mv -T "$2.new" "$2"
}

restart_and_wait() {
  $systemctl || { say "systemctl skipped (--no-systemctl)"; return 0; }
  $sudo systemctl daemon-reload
  $sudo systemctl enable edgecnn.service >/dev/null 2>&1
  $sudo systemctl reset-failed edgecnn.service >/dev/null 2>&1 || true
  $sudo systemctl restart --no-block edgecnn.service
  say "waiting up to ${wait_seconds}s for the service to report ready ..."
  for _ in $(seq 1 "$wait_seconds"); do
    state="$(systemctl show -p ActiveState --value edgecnn.service)"
    case "$state" in
      active) say "edgecnn is running: $(systemctl show -p StatusText --value edgecnn.service)"; return 0 ;;
      failed) break ;;
    esac
    sleep 1
  done
  say "edgecnn did not become ready (state: $(systemctl show -p ActiveState --value edgecnn.service)); its last log lines:"
  $sudo journalctl -u edgecnn.service -n 20 --no-pager 2>/dev/null | sed 's/^/    /' || true
  return 1
}

if [ "$mode" = rollback ]; then
  [ -L "$previous" ] || { say "error: no previous release to roll back to."; exit 1; }
  back="$(readlink "$previous")"
  now="$(readlink "$current")"
  switch_link "$back" "$current"
  switch_link "$now" "$previous"
  say "rolled back: current is $(basename "$back") (was $(basename "$now"))"
  restart_and_wait
  exit
fi

first=false
[ -d "$releases" ] || first=true
$sudo mkdir -p "$releases" "$etc"
release="$releases/$version"
if [ -d "$release" ]; then
  say "release $version is already installed"
else
  $sudo mkdir -p "$release.partial"
  $sudo tar -C "$release.partial" -xzf "$incoming/release.tar.gz"
  $sudo mv -T "$release.partial" "$release"
  say "installed release $version"
  changed=true
fi

if $first && $systemctl; then
  say "first deploy: running pi-setup.sh"
  $sudo bash "$release/pi-setup.sh"
fi

# Settings: --config replaces them (the old file kept as edgecnn.json.previous); the first deploy installs defaults.
if [ -f "$incoming/edgecnn.json" ]; then
  if ! cmp -s "$incoming/edgecnn.json" "$etc/edgecnn.json"; then
    [ -f "$etc/edgecnn.json" ] && $sudo cp -p "$etc/edgecnn.json" "$etc/edgecnn.json.previous"
    $sudo install -m 0644 "$incoming/edgecnn.json" "$etc/edgecnn.json"
    say "installed settings $etc/edgecnn.json"
    changed=true
  fi
elif [ ! -f "$etc/edgecnn.json" ]; then
  $sudo install -m 0644 "$release/models/pi-settings.json" "$etc/edgecnn.json"
  say "installed default settings $etc/edgecnn.json (edit it, or deploy with --config)"
  changed=true
fi

# A model given with --model lives in /etc/edgecnn/models and is chosen through the unit's environment file.
if [ -f "$incoming/model.onnx" ]; then
  name="$(cat "$incoming/model.name")"
  $sudo mkdir -p "$etc/models"
  if ! cmp -s "$incoming/model.onnx" "$etc/models/$name" || ! cmp -s "$incoming/model.json" "$etc/models/${name%.*}.json"; then
    # Manifest first, then the model, each renamed into place: the service's reloader sees a complete pair.
    $sudo install -m 0644 "$incoming/model.json" "$etc/models/.${name%.*}.json.new"
    $sudo mv -f "$etc/models/.${name%.*}.json.new" "$etc/models/${name%.*}.json"
    $sudo install -m 0644 "$incoming/model.onnx" "$etc/models/.$name.new"
    $sudo mv -f "$etc/models/.$name.new" "$etc/models/$name"
    say "installed model $etc/models/$name"
    model_changed=true
  fi
  if [ "$(cat "$etc/model.env" 2>/dev/null)" != "EDGECNN_Model__Path=/etc/edgecnn/models/$name" ]; then
    echo "EDGECNN_Model__Path=/etc/edgecnn/models/$name" | $sudo tee "$etc/model.env" >/dev/null
    changed=true
  fi
fi

if ! cmp -s "$release/edgecnn.service" "$unit"; then
  $sudo mkdir -p "$(dirname "$unit")"
  $sudo install -m 0644 "$release/edgecnn.service" "$unit"
  say "installed unit $unit"
  changed=true
fi

old=""
[ -L "$current" ] && old="$(readlink "$current")"
if [ "$old" != "$release" ]; then
  switch_link "$release" "$current"
  [ -n "$old" ] && switch_link "$old" "$previous"
  say "current -> $version${old:+ (previous: $(basename "$old"))}"
  changed=true
fi
rm -rf "$incoming"

if ! $changed; then
  if $model_changed; then
    # Only the model's files changed: the running service validates and swaps it in by itself (Model:HotReload).
    say "only the model changed: the service reloads it without a restart (journalctl -u edgecnn shows 'model reloaded')"
  else
    say "nothing changed; the service was left as it is"
  fi
  exit 0
fi
if ! restart_and_wait; then
  if [ -n "$old" ] && [ "$old" != "$release" ]; then
    say "rolling back to $(basename "$old")"
    switch_link "$old" "$current"
    switch_link "$release" "$previous"
    restart_and_wait || true
  fi
  exit 1
fi

# Keep the three newest releases, and whatever current and previous point at.
keep="$(readlink "$current"; if [ -L "$previous" ]; then readlink "$previous"; fi)"
ls -1dt "$releases"/*/ 2>/dev/null | sed 's:/$::' | tail -n +4 | while read -r dir; do
  grep -qxF "$dir" <<<"$keep" || { $sudo rm -rf "$dir"; say "removed old release $(basename "$dir")"; }
done
say "deployed $version"
