# The target's half of scripts/deploy.sh and of the fleet playbook (fleet/roles/edgecnn), sent over ssh and run with
# bash. They set (validated and quoted there): mode (deploy|rollback), prefix, systemctl (true|false), wait_seconds,
# stable_seconds, and for a deploy: version, incoming (the uploaded files: release.tar.gz, and any of edgecnn.json,
# secrets.env, model.onnx + model.json + model.name).
set -euo pipefail
sudo=""
if [ -z "$prefix" ] && [ "$(id -u)" -ne 0 ]; then sudo="sudo -n"; fi
base="$prefix/opt/edgecnn"
releases="$base/releases"
current="$base/current"
previous="$base/previous"
etc="$prefix/etc/edgecnn"
unit="$prefix/etc/systemd/system/edgecnn.service"
snapshot="$base/rollback"
changed=false
model_changed=false
# The settings are readable by the service's group only (they may hold an MQTT password); in a --prefix test tree,
# owned by whoever deploys. Decided again after pi-setup.sh, which creates the group.
settings_owner() {
  owner=()
  if [ -z "$prefix" ] && getent group edgecnn >/dev/null 2>&1; then owner=(-o root -g edgecnn); fi
}
settings_owner

# A dropped connection (the laptop's Wi-Fi, Ctrl-C) must not stop this half in the middle: it goes on to the end,
# the undo of a release that does not become ready included, with nobody left to read what it says.
say() { echo "[$(hostname)] $*" 2>/dev/null || true; }
trap '' HUP PIPE

# The uploaded files (the settings may hold secrets) go on every way out.
cleanup() { if [ -n "${incoming:-}" ]; then rm -rf "$incoming"; fi; }
trap cleanup EXIT

# One deploy at a time: a second one to the same device refuses at once, rather than share releases/V.partial and the
# saved state with the first.
$sudo mkdir -p "$base"
lock="$base/.deploy.lock"
exec 9>>"$lock"
if ! flock -n 9; then
  say "error: another deploy to this device is running (it holds $lock); run this again when it has finished."
  exit 1
fi

# Written before a deploy changes anything, removed when it has finished (ready, or undone): a deploy that was cut
# off (the Pi lost power, the process was killed) leaves it, and the next run finishes that one (restarts the
# service and verifies readiness, undoes it if not ready).
marker="$base/deploy-in-progress"
finish() { $sudo rm -f "$marker"; }

# Installs $1 as $2 with mode $3: written beside it, then renamed, so the service never reads half a file.
put() {
  $sudo install -m "$3" "${owner[@]}" "$1" "$2.new"
  $sudo mv -f "$2.new" "$2"
}

# What a deploy may change besides the release: settings, secrets, model choice and models, the unit. Saved before a deploy
# changes anything, so that a failed one is undone completely.
save_state() {
  local into="$1" f
  $sudo rm -rf "$into.partial"
  $sudo mkdir -p "$into.partial"
  for f in "$etc/edgecnn.json" "$etc/model.env" "$etc/secrets.env" "$unit"; do
    if [ -f "$f" ]; then $sudo cp -p "$f" "$into.partial/$(basename "$f")"; fi
  done
  if [ -d "$etc/models" ]; then $sudo cp -a "$etc/models" "$into.partial/models"; fi
  $sudo rm -rf "$into"
  $sudo mv -T "$into.partial" "$into"
}

# Puts the saved settings, model choice, models and unit back (files the saved state lacked are removed).
restore_state() {
  local from="$1" f
  [ -d "$from" ] || return 0
  for f in "$etc/edgecnn.json" "$etc/model.env" "$etc/secrets.env" "$unit"; do
    if [ -f "$from/$(basename "$f")" ]; then
      $sudo cp -p "$from/$(basename "$f")" "$f.new" && $sudo mv -f "$f.new" "$f"
    else
      $sudo rm -f "$f"
    fi
  done
  # The models folder stays (the service watches it for hot reload; a new folder would go unwatched): its files are
  # put back one by one, each renamed into place, and those the saved state lacked are removed.
  if [ -d "$from/models" ]; then
    $sudo mkdir -p "$etc/models"
    for f in "$from/models"/*; do
      [ -f "$f" ] || continue
      $sudo cp -p "$f" "$etc/models/$(basename "$f").new" && $sudo mv -f "$etc/models/$(basename "$f").new" "$etc/models/$(basename "$f")"
    done
    for f in "$etc/models"/*; do
      [ -f "$f" ] && [ ! -e "$from/models/$(basename "$f")" ] && $sudo rm -f "$f"
    done
  else
    $sudo rm -rf "$etc/models"
  fi
  return 0
}

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
  wait_ready
}

wait_ready() {
  $systemctl || { say "systemctl skipped (--no-systemctl)"; return 0; }
  say "waiting up to ${wait_seconds}s for the service to report ready ..."
  # Ready means active (READY=1 comes after the first classified frame) and staying so, without a restart, for
  # $stable_seconds in a row: one 'active' sample could be a service about to crash and be restarted.
  local stable=0 restarts="" state now_restarts
  for _ in $(seq 1 "$wait_seconds"); do
    state="$(systemctl show -p ActiveState --value edgecnn.service)"
    now_restarts="$(systemctl show -p NRestarts --value edgecnn.service)"
    if [ "$state" = active ] && [ "$now_restarts" = "$restarts" ]; then
      stable=$((stable + 1))
      if [ "$stable" -ge "$stable_seconds" ]; then
        say "edgecnn is running: $(systemctl show -p StatusText --value edgecnn.service)"
        return 0
      fi
    else
      stable=0
    fi
    restarts="$now_restarts"
    [ "$state" = failed ] && break
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
  # Back to the state before the last deploy: its settings, model and unit with its release. The state replaced is
  # saved in turn, so a second --rollback returns to where the first started.
  # After a deploy that was cut off, the state before it (not the one before the last finished deploy) is the one.
  if [ -f "$marker" ] && [ -d "$snapshot.pending" ]; then
    $sudo rm -rf "$snapshot"
    $sudo mv -T "$snapshot.pending" "$snapshot"
  fi
  if [ -d "$snapshot" ]; then
    save_state "$snapshot.now"
    restore_state "$snapshot"
    $sudo rm -rf "$snapshot"
    $sudo mv -T "$snapshot.now" "$snapshot"
  fi
  switch_link "$back" "$current"
  switch_link "$now" "$previous"
  finish
  say "rolled back: current is $(basename "$back") (was $(basename "$now")), with the settings, model and unit it ran with"
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
  $sudo rm -rf "$release.partial"
  $sudo mkdir -p "$release.partial"
  # Owned by whoever extracts it (root on a Pi), never by the build machine's uid, and writable by nobody else: the
  # release holds pi-setup.sh, which root runs, and the program the service runs.
  $sudo tar -C "$release.partial" --no-same-owner -xzf "$incoming/release.tar.gz"
  $sudo chmod -R go-w "$release.partial"
  $sudo mv -T "$release.partial" "$release"
  say "installed release $version"
  changed=true
fi

# Until it has succeeded once (it writes .setup-complete last, with its SHA-256), every deploy runs pi-setup.sh again;
# so does a release whose pi-setup.sh changed (a group the new unit needs).
setup_done="$(sed -n 2p "$etc/.setup-complete" 2>/dev/null || true)"
if $systemctl && { [ ! -f "$etc/.setup-complete" ] || [ "$setup_done" != "$(sha256sum "$release/pi-setup.sh" | cut -d' ' -f1)" ]; }; then
  say "$($first && echo "first deploy" || { [ -f "$etc/.setup-complete" ] && echo "this release changes pi-setup.sh" || echo "setup not complete yet"; }): running pi-setup.sh"
  $sudo bash "$release/pi-setup.sh"
  settings_owner
fi
# The state before this deploy: put back if it fails, kept for --rollback if it changes anything. After an
# interrupted deploy, the state saved before that one is the one to go back to, and so is its release.
interrupted=false
if [ -f "$marker" ]; then
  interrupted=true
  interrupted_old="$(sed -n 's/^old=//p' "$marker")"
  say "the deploy of $(sed -n 's/^version=//p' "$marker") did not finish (its connection dropped?): finishing it now"
elif [ -L "$current" ]; then
  save_state "$snapshot.pending"
fi
if ! $interrupted; then
  { echo "version=$version"; echo "old=$([ -L "$current" ] && readlink "$current")"; } > "$incoming/marker"
  $sudo cp "$incoming/marker" "$marker"
fi

# Settings: --config replaces them (the old ones are in the saved state); the first deploy installs defaults.
if [ -f "$incoming/edgecnn.json" ]; then
  if ! cmp -s "$incoming/edgecnn.json" "$etc/edgecnn.json"; then
    put "$incoming/edgecnn.json" "$etc/edgecnn.json" 0640
    say "installed settings $etc/edgecnn.json"
    changed=true
  fi
elif [ ! -f "$etc/edgecnn.json" ]; then
  put "$release/models/pi-settings.json" "$etc/edgecnn.json" 0640
  say "installed default settings $etc/edgecnn.json (edit it, or deploy with --config)"
  changed=true
fi

# Secrets (the fleet playbook's edgecnn_secrets): root only, read by systemd into the service's environment. Without
# an upload, the file on the device stays as it is.
if [ -f "$incoming/secrets.env" ] && ! $sudo cmp -s "$incoming/secrets.env" "$etc/secrets.env"; then
  owner_was=("${owner[@]}"); owner=()
  put "$incoming/secrets.env" "$etc/secrets.env" 0600
  owner=("${owner_was[@]}")
  say "installed secrets $etc/secrets.env"
  changed=true
fi

# When the model changes: a model-only deploy reads the service's journal from then on. A time, not a journal
# cursor: the cursor of the newest entry may sit in another journal file (the login user's), and reading "after" it
# skipped the service's own lines.
model_since="$(date +%s.%N)"

# A model given with --model lives in /etc/edgecnn/models and is chosen through the unit's environment file.
if [ -f "$incoming/model.onnx" ]; then
  name="$(cat "$incoming/model.name")"
  $sudo mkdir -p "$etc/models"
  if ! cmp -s "$incoming/model.onnx" "$etc/models/$name" || ! cmp -s "$incoming/model.json" "$etc/models/${name%.*}.json"; then
    # Manifest first, then the model, each renamed into place: the service's reloader sees a complete pair.
    put "$incoming/model.json" "$etc/models/${name%.*}.json" 0640
    put "$incoming/model.onnx" "$etc/models/$name" 0640
    say "installed model $etc/models/$name"
    model_changed=true
  fi
  if [ "$(cat "$etc/model.env" 2>/dev/null)" != "EDGECNN_Model__Path=/etc/edgecnn/models/$name" ]; then
    echo "EDGECNN_Model__Path=/etc/edgecnn/models/$name" > "$incoming/model.env"
    put "$incoming/model.env" "$etc/model.env" 0640
    changed=true
  fi
fi

if ! cmp -s "$release/edgecnn.service" "$unit"; then
  $sudo mkdir -p "$(dirname "$unit")"
  owner_was=("${owner[@]}"); owner=()
  put "$release/edgecnn.service" "$unit" 0644
  owner=("${owner_was[@]}")
  say "installed unit $unit"
  changed=true
fi

old=""
[ -L "$current" ] && old="$(readlink "$current")"
if $interrupted; then
  # What the interrupted deploy replaced is what a failure now goes back to.
  if [ "$old" != "$release" ]; then switch_link "$release" "$current"; [ -n "$old" ] && switch_link "$old" "$previous"; fi
  old="$interrupted_old"
  changed=true
elif [ "$old" != "$release" ]; then
  switch_link "$release" "$current"
  [ -n "$old" ] && switch_link "$old" "$previous"
  say "current -> $version${old:+ (previous: $(basename "$old"))}"
  changed=true
fi

# What --rollback returns to: the state before the last deploy that changed something (and succeeded).
keep_state_for_rollback() {
  if [ -d "$snapshot.pending" ]; then $sudo rm -rf "$snapshot" && $sudo mv -T "$snapshot.pending" "$snapshot"; fi
}

# Waits for the running service to swap in the new model (Model:HotReload) or refuse it, reading its journal since
# $1 (seconds since the epoch); 0 when reloaded, 1 when refused or no answer came.
# The service's newest word on a model since $1 (seconds since the epoch): its 'model reloaded' or refusal line.
newest_reload_word() {
  $sudo journalctl -u edgecnn.service --since "@$1" -o cat --no-pager 2>/dev/null \
    | grep -E 'model reloaded: |was refused, the running one stays' | tail -1 || true
}

reload_outcome=""
wait_reload() {
  reload_outcome=""
  say "only the model changed: waiting up to ${wait_seconds}s for the service to reload it without a restart ..."
  for _ in $(seq 1 "$wait_seconds"); do
    reload_outcome="$(newest_reload_word "$1")"
    if [ -n "$reload_outcome" ]; then
      # The model and its manifest are renamed into place one after the other: on a slow card the service may have
      # read a half-changed pair and refused it, then taken the whole pair a moment later. The newest word counts.
      sleep 2
      reload_outcome="$(newest_reload_word "$1")"
      break
    fi
    sleep 1
  done
  case "$reload_outcome" in
    *"model reloaded: "*) say "$reload_outcome"; return 0 ;;
    "")
      say "no reload or refusal in the service's journal within ${wait_seconds}s; its last log lines:"
      $sudo journalctl -u edgecnn.service -n 5 --no-pager 2>/dev/null | sed 's/^/    /' || true
      return 1 ;;
    *) say "$reload_outcome"; return 1 ;;
  esac
}

# A model-only change goes through hot reload only where that can take it: a service that is not running, or a
# model with other classes (the rules are bound to the running model's), gets a restart instead.
if ! $changed && $model_changed && $systemctl && [ "$(systemctl show -p ActiveState --value edgecnn.service 2>/dev/null)" != active ]; then
  say "only the model changed, but the service is not running: restarting it with the new model"
  changed=true
fi
if ! $changed && $model_changed && $systemctl; then
  if wait_reload "$model_since"; then
    :
  elif [[ "$reload_outcome" == *"its labels ("* ]]; then
    say "the new model has other classes: restarting the service to take them (undone if it does not become ready)"
    changed=true
  else
    # The running model stays in the service; its files go back too, so that a restart runs what runs now.
    restore_state "$snapshot.pending"
    $sudo rm -rf "$snapshot.pending"
    finish
    say "the model was not taken: the previous model is back in place"
    exit 1
  fi
fi

if ! $changed; then
  if $model_changed && $systemctl; then
    keep_state_for_rollback
  elif $model_changed; then
    keep_state_for_rollback
    say "only the model changed: the service reloads it without a restart (journalctl -u edgecnn shows 'model reloaded')"
  else
    $sudo rm -rf "$snapshot.pending"
    say "nothing changed; the service was left as it is"
  fi
  finish
  exit 0
fi
if ! restart_and_wait; then
  if [ -n "$old" ]; then
    # Everything this deploy changed goes back: the release, the settings, the model and the unit.
    restore_state "$snapshot.pending"
    $sudo rm -rf "$snapshot.pending"
    if [ "$old" != "$release" ]; then
      switch_link "$old" "$current"
      switch_link "$release" "$previous"
    fi
    say "rolled back to $(basename "$old") with its settings, model and unit: $version did not become ready"
    restart_and_wait || true
  fi
  finish
  exit 1
fi
keep_state_for_rollback
finish

# Keep the three newest releases, and whatever current and previous point at.
keep="$(readlink "$current"; if [ -L "$previous" ]; then readlink "$previous"; fi)"
ls -1dt "$releases"/*/ 2>/dev/null | sed 's:/$::' | tail -n +4 | while read -r dir; do
  grep -qxF "$dir" <<<"$keep" || { $sudo rm -rf "$dir"; say "removed old release $(basename "$dir")"; }
done
say "deployed $version"
