#!/usr/bin/env bash
# Debian packages the tests drive for real: Chromium (browser tests), poppler (PDF pages), a Java runtime (Spark),
# and Noto fonts so pages and PDFs in Arabic and Chinese show their script (embedded in the PDFs).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
fc-list :lang=zh family 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
fc-list "Noto Naskh Arabic" family 2>/dev/null | grep -q . || missing+=(fonts-noto-core)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "error: install these Debian packages first: ${missing[*]}" >&2
  exit 1
fi
echo "installing ${missing[*]} (Debian packages)" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
