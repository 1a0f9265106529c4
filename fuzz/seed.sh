#!/bin/sh
# Seeds each target's corpus (fuzz/corpus/<target>, not in git): small PDFs of the corpus
# (FOLIO_CORPUS) for the PDF targets, fuzz/seeds/<target> for the text ones.
set -eu
cd "$(dirname "$0")"
: "${FOLIO_CORPUS:?set FOLIO_CORPUS to the corpus folder}"
small="annot-fpdf2-text-highlight-ink broken-xref-bad-offsets-recoverable
  broken-xref-loop-incremental cjk-ja-miyazawa-jo-no-tounicode encrypted-aes256-r6-empty-userpw
  font-truetype-no-tounicode font-type3-matplotlib rtl-arabic-weasyprint-habibi
  thai-polyglossia-example xref-hybrid-objstm"
mkdir -p corpus/read corpus/roundtrip
for f in $small; do cp "$FOLIO_CORPUS/$f.pdf" corpus/read/; done
for f in annot-fpdf2-text-highlight-ink cjk-ja-miyazawa-jo-no-tounicode \
  font-truetype-no-tounicode font-type3-matplotlib xref-hybrid-objstm; do
  cp "$FOLIO_CORPUS/$f.pdf" corpus/roundtrip/
done
for t in placeholders glossary config xliff; do
  mkdir -p "corpus/$t"
  cp seeds/$t/* "corpus/$t/"
done
