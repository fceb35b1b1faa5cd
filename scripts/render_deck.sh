#!/usr/bin/env bash
# Render a slide deck to PNGs so a person can look at every slide:
#   scripts/render_deck.sh [deck.pptx] [out_dir]
# Without a deck, builds one from the bundled SYNTHETIC demo cohort first
# (python -m lusp deck data/demo_cohort.xlsx). pptx → PDF with LibreOffice (headless),
# PDF → one PNG per slide with pdftoppm, into test-artifacts/deck/ by default.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=${2:-test-artifacts/deck}
mkdir -p "$OUT"
DECK=${1:-}
if [ -z "$DECK" ]; then
  DECK="$OUT/deck.pptx"
  "$PY" -m lusp deck data/demo_cohort.xlsx --out "$DECK"
fi
for tool in soffice pdftoppm; do
  command -v "$tool" >/dev/null || { echo "render_deck.sh: $tool not found (apt-get install libreoffice-impress poppler-utils)" >&2; exit 2; }
done
# A private LibreOffice profile: a running LibreOffice (or another helper's render) must not
# block this one, and nothing is written to the user's profile.
PROFILE=$(mktemp -d)
trap 'rm -rf "$PROFILE"' EXIT
soffice -env:UserInstallation=file://"$PROFILE" --headless --convert-to pdf --outdir "$OUT" "$DECK" >/dev/null
PDF="$OUT/$(basename "${DECK%.*}").pdf"
rm -f "$OUT"/slide-*.png
pdftoppm -png -r 96 "$PDF" "$OUT/slide"
ls "$OUT"/slide-*.png | wc -l | xargs echo "slides rendered to $OUT:"
