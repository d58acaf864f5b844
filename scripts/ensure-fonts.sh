#!/usr/bin/env bash
# Make sure the PDFs' fonts are installed: Debian's Noto fonts for every script the
# PDFs write (quotas/pdf_fonts.py). Best effort: as root with apt, installs them;
# otherwise says which packages are missing (the PDFs then write Latin letters only,
# and the tests that read every script are skipped locally, and fail under CI=true).
set -uo pipefail

packages=(fonts-noto-core fonts-noto-cjk)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing the PDF fonts (apt): ${missing[*]}..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    && exit 0
fi
echo "The PDF fonts are not installed: apt-get install ${missing[*]} (PDFs write Latin letters only)." >&2
exit 0
