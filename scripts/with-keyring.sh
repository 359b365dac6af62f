#!/usr/bin/env bash
# Runs a command inside a private D-Bus session bus with an unlocked gnome-keyring, so that
# keychain code (and its tests) talks to a real Secret Service without touching the
# developer's own keyring.
#
#   scripts/with-keyring.sh <command> [args...]
#
# - fresh temporary HOME and XDG_RUNTIME_DIR (mode 700), removed afterwards;
# - DBUS_SESSION_BUS_ADDRESS, DISPLAY and WAYLAND_DISPLAY unset, so nothing can reach the
#   desktop session or show an unlock prompt;
# - PATH is kept, and npm's cache stays where it was (npm_config_cache), so npx does not
#   download again into the empty HOME;
# - SEALCHECK_KEYRING=1 tells tests that a real, unlocked keyring is expected;
# - the command's exit code is passed through.
#
# Stopping it: Ctrl-C reaches the whole foreground group. A parent process should signal the
# process group (spawn it detached, kill -TERM -<pgid>): bash runs its cleanup only after the
# command has ended, so a signal to this script's pid alone waits for the command.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: scripts/with-keyring.sh <command> [args...]" >&2
  exit 64
fi

for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "with-keyring: '$tool' is missing; run scripts/install-system-deps.sh" >&2
    exit 69
  fi
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/sealcheck-keyring.XXXXXX")"
cleanup() { rm -rf -- "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
chmod 700 "$tmp"
mkdir -m 700 "$tmp/home" "$tmp/runtime"

# Keep npm's cache where the real HOME had it (unless already set explicitly).
npm_cache="${npm_config_cache:-${HOME:-/nonexistent}/.npm}"

# The keyring password only protects a throwaway keyring in a directory we delete.
status=0
env \
  -u DBUS_SESSION_BUS_ADDRESS -u DISPLAY -u WAYLAND_DISPLAY \
  -u XDG_CONFIG_HOME -u XDG_DATA_HOME -u XDG_CACHE_HOME -u XDG_STATE_HOME \
  -u GNOME_KEYRING_CONTROL -u SSH_AUTH_SOCK \
  HOME="$tmp/home" \
  XDG_RUNTIME_DIR="$tmp/runtime" \
  npm_config_cache="$npm_cache" \
  npm_config_update_notifier=false \
  SEALCHECK_KEYRING=1 \
  dbus-run-session -- sh -c '
    # The daemon runs in the foreground as our child, so we can stop it (and only it) at the end;
    # a daemonized gnome-keyring-daemon outlives the bus and keeps writing into HOME.
    printf "sealcheck-test" | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null &
    keyring=$!
    tries=0
    until dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; do
      tries=$((tries + 1))
      if [ "$tries" -gt 250 ] || ! kill -0 "$keyring" 2>/dev/null; then
        echo "with-keyring: gnome-keyring-daemon did not come up on the private bus" >&2
        kill "$keyring" 2>/dev/null
        exit 69
      fi
      sleep 0.02
    done
    status=0
    "$@" || status=$?
    kill "$keyring" 2>/dev/null
    wait "$keyring" 2>/dev/null
    exit "$status"
  ' with-keyring "$@" || status=$?
exit "$status"
