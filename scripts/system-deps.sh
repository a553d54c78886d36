#!/usr/bin/env bash
# Installs the Debian packages ReelStack's demo, OCR and tests use, when this machine allows it
# (chromium is the browser the console's end-to-end tests drive; Playwright never downloads one).
# Best effort by design: every feature that needs one of them degrades with a clear message
# when it is missing (see `reelstack doctor`).
set -u
packages=(fonts-noto-core fonts-noto-cjk espeak-ng ffmpeg tesseract-ocr tesseract-ocr-tha
          tesseract-ocr-vie tesseract-ocr-ind tesseract-ocr-msa tesseract-ocr-chi-sim chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: not installing ${missing[*]} (needs root and apt-get); the demo degrades without them" >&2
  exit 0
fi
echo "installing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
  || echo "note: could not install ${missing[*]}; the demo degrades without them" >&2
exit 0
