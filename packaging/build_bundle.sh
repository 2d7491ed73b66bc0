#!/usr/bin/env bash
# Builds the one-folder bundle dist/reverie/ (executable dist/reverie/reverie) with PyInstaller.
#
# The bundle carries the deps of the venv that runs this (default .venv; set PYTHON for another),
# with one swap: opencv-python (a rapidocr dependency that ships its own Qt 5) is replaced by
# opencv-python-headless of the same version, downloaded once into the work folder
# (REVERIE_BUNDLE_OPENCV=venv keeps the venv's). `reverie` itself is staged from a wheel built out
# of a copy of the tree: the dev install is editable, and its import hook is invisible to
# PyInstaller's analysis. The work folder (default /tmp/bundle-build) is kept between builds so a
# rebuild only redoes what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
WORK="${REVERIE_BUNDLE_WORK:-/tmp/bundle-build}"
DIST="${REVERIE_BUNDLE_DIST:-dist}"
t0=$(date +%s)

if ! "$PY" -c 'import PyInstaller' 2>/dev/null; then  # the `bundle` extra, without reinstalling reverie
  "$PY" -m pip install -q "$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))
    ["project"]["optional-dependencies"]["bundle"][0])')"
fi
# Stage: copy the tracked and not-ignored files (no build/ leftovers), build a wheel, unpack it.
rm -rf "$WORK/tree" "$WORK/wheel" "$WORK/src" "$WORK/overlay"
mkdir -p "$WORK/tree" "$WORK/wheel" "$WORK/src" "$WORK/overlay" "$WORK/opencv"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
    [ -e "$f" ] && printf '%s\0' "$f"
  done | tar --null -T - -cf - | tar -xf - -C "$WORK/tree"
else  # not a git checkout (e.g. a CI tarball): everything but the usual build and cache folders
  tar --exclude=./.venv --exclude=./build --exclude=./dist --exclude=./.git --exclude='*.egg-info' \
      --exclude='__pycache__' -cf - . | tar -xf - -C "$WORK/tree"
fi
# Build isolation: pyproject's build-system (setuptools >= 77 for the SPDX licence string), not
# whatever setuptools the venv was born with (65 in a fresh Python 3.11 venv).
"$PY" -m pip wheel -q --no-deps -w "$WORK/wheel" "$WORK/tree"
"$PY" -m zipfile -e "$WORK"/wheel/reverie-*.whl "$WORK/src"

overlay=""
cv=$("$PY" -c 'import importlib.metadata as m; print(m.version("opencv-python"))' 2>/dev/null || true)
if [ "${REVERIE_BUNDLE_OPENCV:-headless}" = headless ] && [ -n "$cv" ]; then
  whl=$(ls "$WORK"/opencv/opencv_python_headless-"$cv"-*.whl 2>/dev/null | head -1 || true)
  if [ -z "$whl" ] && "$PY" -m pip download -q --no-deps --only-binary :all: -d "$WORK/opencv" \
       "opencv-python-headless==$cv"; then
    whl=$(ls "$WORK"/opencv/opencv_python_headless-"$cv"-*.whl | head -1)
  fi
  if [ -n "$whl" ]; then
    "$PY" -m zipfile -e "$whl" "$WORK/overlay"
    overlay="$WORK/overlay"
    echo "bundle: cv2 from $(basename "$whl") (no second Qt)"
  else
    echo "bundle: WARNING: could not get opencv-python-headless==$cv; bundling the venv's opencv-python (carries Qt 5)"
  fi
fi

REVERIE_BUNDLE_STAGE="$WORK/src" REVERIE_BUNDLE_OVERLAY="$overlay" "$PY" -m PyInstaller --noconfirm \
  --log-level WARN --workpath "$WORK/work" --distpath "$DIST" packaging/reverie.spec

# Strip debug symbols, but only from libraries auditwheel's patchelf has not touched: repaired
# wheels keep their libs in *.libs/ and point their extension modules there with an RPATH, and
# stripping those breaks them ("ELF load command address/offset not page-aligned"). That is why
# the spec has strip=False.
before=$(du -sm "$DIST/reverie" | cut -f1)
if command -v strip >/dev/null && command -v readelf >/dev/null; then
  find "$DIST/reverie/_internal" -type f -name '*.so*' -not -path '*.libs/*' -print0 |
    while IFS= read -r -d '' lib; do
      readelf -d "$lib" 2>/dev/null | grep -E 'R(UN)?PATH' | grep -q '\.libs' && continue
      strip --strip-unneeded "$lib" || echo "bundle: could not strip $lib (left as is)"
    done
else
  echo "bundle: no strip/readelf (binutils): libraries left unstripped"
fi
t1=$(date +%s)
echo "bundle: $DIST/reverie built in $((t1 - t0)) s, $(du -sh "$DIST/reverie" | cut -f1) (${before} MB before strip)"
