#!/usr/bin/env bash
# Sets up a fresh Debian machine for Folio: the tools tests and QA compare against, and a
# release build of the `folio` binary (./target/release/folio).
set -euo pipefail
cd "$(dirname "$0")"
need=()
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v qpdf >/dev/null || need+=(qpdf)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
cargo build --release -p folio-cli
echo "built ./target/release/folio"
