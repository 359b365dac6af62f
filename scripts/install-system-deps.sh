#!/usr/bin/env bash
# Installs the Debian packages the tests need, without ever starting a system service.
# Shared by .ci/run and developers. Safe to run twice.
set -euo pipefail

PACKAGES=(
  chromium
  dovecot-imapd dovecot-pop3d
  postfix
  prosody
  gnome-keyring dbus dbus-x11 libsecret-tools
  openssl ca-certificates
  testssl.sh
  nmap
  knot unbound dnsutils
)

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-system-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Postfix asks how to configure itself; we run our own instances, so: none.
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  echo "postfix postfix/mailname string sealcheck.invalid" | $SUDO debconf-set-selections
  # A temporary policy-rc.d stops package scripts from starting services on 25/143/993/5222.
  policy=/usr/sbin/policy-rc.d
  had_policy=0
  if [ -e "$policy" ]; then had_policy=1; $SUDO cp "$policy" "$policy.sealcheck-bak"; fi
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  restore() {
    if [ "$had_policy" = 1 ]; then $SUDO mv "$policy.sealcheck-bak" "$policy"; else $SUDO rm -f "$policy"; fi
  }
  trap restore EXIT
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Preflight: name every tool the tests need that is still missing.
need=(chromium dovecot doveadm postfix prosody prosodyctl openssl gnome-keyring-daemon dbus-run-session secret-tool testssl nmap knotd knotc keymgr unbound unbound-checkconf)
absent=()
for t in "${need[@]}"; do
  command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || absent+=("$t")
done
if [ "${#absent[@]}" -gt 0 ]; then
  echo "install-system-deps: still missing: ${absent[*]}" >&2
  exit 1
fi
echo "install-system-deps: all system tools present" >&2
