#!/usr/bin/env bash
# Makes the test documents of this folder from their sources, each PDF beside its source.
#   tests/corpus/made/make.sh            all of them
#   tests/corpus/made/make.sh NAME.tex   one
# A .tex file names its engine on its first line (`% engine: lualatex`; pdflatex when it does
# not). Needs TeX Live (texlive-latex-extra, texlive-fonts-extra, texlive-luatex, texlive-xetex,
# texlive-science); CI does not run it: the tests read the committed PDFs.
# SOURCE_DATE_EPOCH and FORCE_SOURCE_DATE make the PDFs the same on every run.
set -euo pipefail
cd "$(dirname "$0")"
export SOURCE_DATE_EPOCH=1767225600 FORCE_SOURCE_DATE=1
sources=("$@")
[ ${#sources[@]} -gt 0 ] || sources=(*.tex)
for src in "${sources[@]}"; do
  engine=$(sed -n '1s/^% engine: *\([a-z]*\).*/\1/p' "$src")
  engine=${engine:-pdflatex}
  tmp=$(mktemp -d)
  # Twice, for references and page numbers.
  for _ in 1 2; do
    "$engine" -interaction=nonstopmode -halt-on-error -output-directory "$tmp" "$src" > "$tmp/log" \
      || { tail -30 "$tmp/log"; exit 1; }
  done
  cp "$tmp/${src%.tex}.pdf" .
  rm -rf "$tmp"
  echo "made ${src%.tex}.pdf with $engine"
done
