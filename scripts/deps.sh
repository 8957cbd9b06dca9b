#!/usr/bin/env bash
# Installs the system packages eingang needs on Debian/Ubuntu when run as
# root; otherwise prints the exact command to run. Usage:
#   scripts/deps.sh run|test|bench
set -euo pipefail

want=(tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng tesseract-ocr-osd libtesseract-dev libleptonica-dev
      g++ pkg-config poppler-utils qpdf icc-profiles-free libheif-examples libreoffice-writer-nogui)
case "${1:-run}" in
  test)  want+=(redis-server openssl dovecot-imapd chromium postgresql imagemagick) ;;
  # bench/pipeline starts a private PostgreSQL cluster and runs
  # redis-benchmark (redis-tools), as does the journal benchmark of
  # journal/postgres; bench/soak/soak.sh reads eingang's JSON with jq, adds
  # times with bc and asks xmllint (libxml2-utils) whether XML opens.
  bench) want+=(redis-server redis-tools postgresql openssl ocrmypdf time dovecot-imapd imagemagick libzxing-dev
                jq bc libxml2-utils) ;;
esac
command -v go >/dev/null 2>&1 || want+=(golang-go)

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "eingang needs these packages (Debian names): ${missing[*]}" >&2
  echo "This system has no apt-get; install their equivalents with your package manager." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "eingang needs these system packages. Run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
