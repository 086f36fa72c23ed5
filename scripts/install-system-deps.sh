#!/usr/bin/env bash
# System packages the tests need, from Debian: Chromium (the UI's end-to-end tests drive it with
# playwright-core; nothing downloads a browser), poppler-utils (pdffonts checks exported PDFs) and
# the DejaVu fonts (embedded in exported figures) and python3 (checks exported CSVs and matplotlib
# scripts). Skips what is already installed.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v pdffonts >/dev/null 2>&1 || need+=(poppler-utils)
command -v python3 >/dev/null 2>&1 || need+=(python3)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
