#!/usr/bin/env bash
# Regenerates the demo's shipped corpora from Debian documentation packages (maintainers only: the demo reads the
# committed corpus/*/documents.jsonl.gz and never needs apt).
#
#   corpus/build-corpora.sh            # installs the packages if missing (apt-get, as root or with sudo)
#
# Each corpus directory gets documents.jsonl.gz (one RawDocument per line: id, domain, text, source), NOTICE (where
# the text comes from, its copyright and license, the package version it was built from) and LICENSE (the package's
# own copyright file, which holds the full license text). Output is byte-for-byte reproducible for the same package
# versions (sorted inputs, gzip without timestamps).
set -euo pipefail
cd "$(dirname "$0")"
MAX_BYTES="${MAX_BYTES:-1000000}"   # text per corpus; the demo streams a slice of each (see Demo.java)

PACKAGES=(debian-reference-en python3.11-doc postgresql-doc-15)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
version() { dpkg-query -W -f='${Version}' "$1"; }

# notice DIR PACKAGE TITLE COPYRIGHT LICENSE_NAME COPYRIGHT_FILE [LICENSE_TEXT_FILE]
notice() {
  local dir=$1 pkg=$2 title=$3 copyright=$4 license=$5 copyright_file=$6 license_text=${7:-}
  cat > "$dir/NOTICE" <<EOF
$title

Source: Debian package $pkg, version $(version "$pkg") (HTML documentation, converted to plain text by
corpus/extract_html.py: markup, navigation and indexes removed; text otherwise unchanged).
Copyright: $copyright
License: $license

The full license text is in LICENSE beside this file (the package's debian/copyright file, copied unchanged,
followed by the license it refers to where that file only names it).
This directory is redistributed under the same license as its source; the rest of the project is not affected.
EOF
  cp "$copyright_file" "$dir/LICENSE"
  if [ -n "$license_text" ]; then
    printf '\n\n======== %s ========\n\n' "$license_text" >> "$dir/LICENSE"
    cat "$license_text" >> "$dir/LICENSE"
  fi
}

# --- general: the Debian Reference (prose only: command listings and tables left out) ---
mkdir -p general
DR=/usr/share/debian-reference
mapfile -t files < <(ls "$DR"/ch*.en.html "$DR"/apa.en.html | sort -V)
python3 extract_html.py --corpus debian-reference --domain general --max-bytes "$MAX_BYTES" --no-code \
  --out general/documents.jsonl.gz "${files[@]}"
notice general debian-reference-en "Debian Reference (Osamu Aoki), chapters 1-12 and appendix A" \
  "2007-2013 Osamu Aoki <osamu@debian.org> and the translators and contributors of the Debian Reference" \
  "GPL-2+ (GNU General Public License, version 2 or later; see /usr/share/common-licenses/GPL-2 on Debian)" \
  /usr/share/doc/debian-reference-en/copyright /usr/share/common-licenses/GPL-2

# --- python: the Python 3.11 documentation (tutorial, HOWTOs, FAQ, language reference) ---
mkdir -p python
PY=/usr/share/doc/python3.11-doc/html
mapfile -t files < <(for d in tutorial howto faq reference; do ls "$PY/$d"/*.html | grep -v '/index.html$' | sort; done)
python3 extract_html.py --corpus python-docs --domain python --max-bytes "$MAX_BYTES" \
  --out python/documents.jsonl.gz "${files[@]}"
notice python python3.11-doc "The Python 3.11 documentation: tutorial, HOWTOs, FAQ, language reference" \
  "2001-2023 Python Software Foundation; see LICENSE for the full history" \
  "PSF License Agreement for Python 3.11 (the documentation's license; code examples are also available under the Zero-Clause BSD license)" \
  /usr/share/doc/python3.11-doc/copyright

# --- postgresql: the PostgreSQL 15 manual (tutorial, SQL language chapters, SQL command reference) ---
mkdir -p postgresql
PG=/usr/share/doc/postgresql-doc-15/html
mapfile -t files < <(for p in tutorial ddl dml queries datatype functions indexes mvcc sql; do ls "$PG/$p"-*.html | sort; done)
python3 extract_html.py --corpus postgresql-docs --domain postgresql --max-bytes "$MAX_BYTES" \
  --out postgresql/documents.jsonl.gz "${files[@]}"
notice postgresql postgresql-doc-15 "The PostgreSQL 15 documentation: tutorial, SQL language chapters, SQL command reference" \
  "Portions Copyright (c) 1996-2022, The PostgreSQL Global Development Group; Portions Copyright (c) 1994, The Regents of the University of California" \
  "PostgreSQL License (a permissive BSD/MIT-style license)" \
  /usr/share/doc/postgresql-doc-15/copyright

ls -l */documents.jsonl.gz
