#!/usr/bin/env bash
# Regenerates the shipped corpora from Debian documentation packages (maintainers only: the demo and the benchmark
# read the committed corpus/*/documents.jsonl.gz and never need apt).
#
#   corpus/build-corpora.sh             # all corpora; installs the packages if missing (apt-get, as root or with sudo)
#   corpus/build-corpora.sh git sqlite  # only the named corpora (directory names)
#
# Each corpus directory gets documents.jsonl.gz (one RawDocument per line: id, domain, text, source), NOTICE (where
# the text comes from, its copyright and license, the package version it was built from) and LICENSE (the package's
# own copyright file, which holds the full license text). Output is byte-for-byte reproducible for the same package
# versions (sorted inputs, gzip without timestamps).
set -euo pipefail
cd "$(dirname "$0")"
export LC_ALL=C                     # file lists sort the same on every machine
MAX_BYTES="${MAX_BYTES:-1000000}"   # text per corpus; the demo streams a slice of the first three (see Demo.java)

# corpus directory -> the Debian package it is built from
declare -A PACKAGE=(
  [general]=debian-reference-en [python]=python3.11-doc [postgresql]=postgresql-doc-15
  [git]=git-doc [apache]=apache2-doc [sqlite]=sqlite3-doc [rust]=rust-doc [debian-admin]=debian-handbook
  [nodejs]=nodejs-doc [erlang]=erlang-doc [cmake]=cmake-doc [django]=python-django-doc
)
ALL=(general python postgresql git apache sqlite rust debian-admin nodejs erlang cmake django)
corpora=("${@:-${ALL[@]}}")
for c in "${corpora[@]}"; do
  [ -n "${PACKAGE[$c]:-}" ] || { echo "unknown corpus '$c' (known: ${ALL[*]})" >&2; exit 2; }
done

missing=()
for c in "${corpora[@]}"; do
  p=${PACKAGE[$c]}
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
version() { dpkg-query -W -f='${Version}' "$1"; }

# extract DIR CORPUS DOMAIN ROOT [--no-code] [--skip-class C]... [--skip-id I]... FILE...: writes DIR/documents.jsonl.gz (ids are page paths under ROOT)
extract() {
  local dir=$1 corpus=$2 domain=$3 root=$4
  shift 4
  mkdir -p "$dir"
  python3 extract_html.py --corpus "$corpus" --domain "$domain" --root "$root" --max-bytes "$MAX_BYTES" \
    --out "$dir/documents.jsonl.gz" "$@"
}

# notice DIR TITLE COPYRIGHT LICENSE_NAME [LICENSE_TEXT_FILE]
notice() {
  local dir=$1 title=$2 copyright=$3 license=$4 license_text=${5:-}
  local pkg=${PACKAGE[$dir]}
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
  cp "/usr/share/doc/$pkg/copyright" "$dir/LICENSE"
  if [ -n "$license_text" ]; then
    printf '\n\n======== %s ========\n\n' "$license_text" >> "$dir/LICENSE"
    cat "$license_text" >> "$dir/LICENSE"
  fi
}

# general: the Debian Reference (prose only: command listings and tables left out)
build_general() {
  local root=/usr/share/debian-reference
  extract general debian-reference general "$root" --no-code $(ls "$root"/ch*.en.html "$root"/apa.en.html | sort -V)
  notice general "Debian Reference (Osamu Aoki), chapters 1-12 and appendix A" \
    "2007-2013 Osamu Aoki <osamu@debian.org> and the translators and contributors of the Debian Reference" \
    "GPL-2+ (GNU General Public License, version 2 or later; see /usr/share/common-licenses/GPL-2 on Debian)" \
    /usr/share/common-licenses/GPL-2
}

# python: the Python 3.11 documentation (tutorial, HOWTOs, FAQ, language reference)
build_python() {
  local root=/usr/share/doc/python3.11-doc/html
  extract python python-docs python "$root" \
    $(for d in tutorial howto faq reference; do ls "$root/$d"/*.html | grep -v '/index.html$' | sort; done)
  notice python "The Python 3.11 documentation: tutorial, HOWTOs, FAQ, language reference" \
    "2001-2023 Python Software Foundation; see LICENSE for the full history" \
    "PSF License Agreement for Python 3.11 (the documentation's license; code examples are also available under the Zero-Clause BSD license)"
}

# postgresql: the PostgreSQL 15 manual (tutorial, SQL language chapters, SQL command reference)
build_postgresql() {
  local root=/usr/share/doc/postgresql-doc-15/html
  extract postgresql postgresql-docs postgresql "$root" \
    $(for p in tutorial ddl dml queries datatype functions indexes mvcc sql; do ls "$root/$p"-*.html | sort; done)
  notice postgresql "The PostgreSQL 15 documentation: tutorial, SQL language chapters, SQL command reference" \
    "Portions Copyright (c) 1996-2022, The PostgreSQL Global Development Group; Portions Copyright (c) 1994, The Regents of the University of California" \
    "PostgreSQL License (a permissive BSD/MIT-style license)"
}

# git: the Git user manual, git(1), the guides and concept pages (gitattributes ... gitworkflows), then the command
# manual pages
build_git() {
  local root=/usr/share/doc/git-doc
  extract git git-docs git "$root" \
    "$root/user-manual.html" "$root/git.html" $(ls "$root"/git[a-z]*.html | sort) $(ls "$root"/git-*.html | sort)
  notice git "The Git documentation: user manual, guides and command manual pages" \
    "2005-2022 Linus Torvalds and others" \
    "GPL-2 (GNU General Public License, version 2; see /usr/share/common-licenses/GPL-2 on Debian)" \
    /usr/share/common-licenses/GPL-2
}

# apache: the Apache HTTP Server 2.4 manual in English (guides, how-tos, rewriting, SSL, virtual hosts, programs,
# then the module reference); indexes, the site map, directive lists and the license page left out. A few pages
# under en/ are Portuguese translations in this package (<html lang="pt-br">): only pages marked English are read.
build_apache() {
  local root=/usr/share/doc/apache2-doc/manual/en
  extract apache apache-httpd-docs apache "$root" \
    $(for d in . howto rewrite ssl vhosts misc programs platform mod; do ls "$root/$d"/*.html | sort; done |
      grep -v -E '/(index|sitemap|license|quickreference|directives)\.html$' | xargs grep -l '<html lang="en"')
  notice apache "The Apache HTTP Server 2.4 documentation (English): guides, how-tos, module reference" \
    "2022 The Apache Software Foundation" \
    "Apache-2.0 (Apache License, version 2.0; see /usr/share/common-licenses/Apache-2.0 on Debian)" \
    /usr/share/common-licenses/Apache-2.0
}

# pages of the SQLite documentation that list, index or announce rather than explain
SQLITE_NOT_ARTICLES="index|docs|doclist|sitemap|keyword_index|doc_[a-z]+_crossref|changes|chronology|news|oldnews"
SQLITE_NOT_ARTICLES+="|requirements|syntaxdiagrams|download|capi3ref|pressrelease-[0-9]+|consortium_agreement-[0-9]+"
# sqlite: the SQLite documentation, SQL language reference first (lang_*), then the other articles; indexes, site
# maps, change logs, news and the requirements list left out
build_sqlite() {
  local root=/usr/share/doc/sqlite3
  extract sqlite sqlite-docs sqlite "$root" \
    $(ls "$root"/lang*.html | sort) \
    $(ls "$root"/*.html | sort | grep -v -E "/(lang.*|$SQLITE_NOT_ARTICLES)\.html$")
  notice sqlite "The SQLite documentation: SQL language reference and articles" \
    "D. Richard Hipp <drh@hwaci.com> (put in the public domain by the sqlite3 contributors)" \
    "public-domain (see LICENSE)"
}

# rust: The Rust Programming Language (the book: foreword, chapters, appendices; not the older editions' pages)
build_rust() {
  local root=/usr/share/doc/rust-doc/html/book
  extract rust rust-book rust "$root" \
    "$root/foreword.html" $(ls "$root"/ch*.html | sort) $(ls "$root"/appendix-*.html | sort)
  notice rust "The Rust Programming Language as shipped with Rust 1.63 (Steve Klabnik, Carol Nichols and the community)" \
    "2006-2009 Graydon Hoare; 2009-2012 Mozilla Foundation; 2012-2017 The Rust Project Developers" \
    "MIT or Apache-2.0 (at your option; the MIT text is in LICENSE, the Apache License follows it)" \
    /usr/share/common-licenses/Apache-2.0
}

# debian-admin: The Debian Administrator's Handbook in English, pages in the order of its table of contents
build_debian-admin() {
  local root=/usr/share/doc/debian-handbook/html/en-US
  extract debian-admin debian-handbook debian-admin "$root" \
    $(grep -o 'href="[^"#]*\.html' "$root/index.html" | sed 's/^href="//' | awk '!seen[$0]++' |
      grep -v '^index\.html$' | sed "s|^|$root/|")
  notice debian-admin "The Debian Administrator's Handbook (Raphaël Hertzog, Roland Mas), English edition" \
    "2003-2015 Raphaël Hertzog <hertzog@debian.org>; 2006-2015 Roland Mas <lolando@debian.org>; 2013-2015 Freexian SARL" \
    "GPL-2.0+ or CC-BY-SA-3.0 (at your option; the CC-BY-SA-3.0 text is in LICENSE, the GPL-2 follows it)" \
    /usr/share/common-licenses/GPL-2
}

# nodejs: the Node.js 18 API documentation, one page per module in name order (not index.html or all.html, which
# repeats every page); the sidebar, the page header, version pickers, "Added in" lines, History tables and the
# CommonJS copy of each example (the ES module one is kept) left out
build_nodejs() {
  local root=/usr/share/doc/nodejs/api
  extract nodejs nodejs-docs nodejs "$root" --skip-id column2 --skip-id gtoc --skip-id toc --skip-class header \
    --skip-class api_metadata --skip-class mark --skip-class language-cjs \
    $(ls "$root"/*.html | grep -v -E '/(index|all)\.html$' | sort)
  notice nodejs "The Node.js 18 API documentation (Node.js contributors)" \
    "Node.js contributors" \
    "Expat (the MIT license; its text is in LICENSE)"
}

# erlang: the Erlang/OTP 25 system documentation in reading order (getting started, the reference manual, OTP design
# principles, the efficiency guide, programming examples, system principles, interoperability tutorial, embedded
# systems, OAM, system architecture), then the STDLIB manual pages; release notes and indexes left out. It stands in
# for ruby: ruby3.1-doc ships the Ruby reference only as ri data (Ruby Marshal files), no HTML.
build_erlang() {
  local root=/usr/share/doc/erlang-doc
  extract erlang erlang-docs erlang "$root" --skip-class topbar --skip-id leftnav --skip-class footer \
    $(for d in getting_started reference_manual design_principles efficiency_guide programming_examples \
        system_principles tutorial embedded oam system_architecture_intro; do
        ls "$root/doc/$d"/*.html | grep -v -E '/(index|users_guide|part)\.html$' | sort
      done
      ls "$root"/lib/stdlib-*/doc/html/*.html | grep -v -E '/(index|users_guide|notes|release_notes)\.html$' | sort)
  notice erlang "The Erlang/OTP 25 documentation: system guides (getting started, reference manual, OTP design principles, efficiency guide and others), STDLIB manual pages" \
    "2002-2018 Ericsson AB" \
    "Apache-2.0 (Apache License, version 2.0; see /usr/share/common-licenses/Apache-2.0 on Debian)" \
    /usr/share/common-licenses/Apache-2.0
}

# cmake: the CMake 3.25 manual: the tutorial in its own order, the other guides, the manual pages (not the pages that
# only list commands, variables, modules, policies or properties), then the command reference; indexes, search and
# release notes left out. The tutorial's file names hold spaces, so the lists are arrays.
build_cmake() {
  local root=/usr/share/doc/cmake-data/html files=()
  mapfile -t files < <(
    grep -o 'class="toctree-l1"><a class="reference internal" href="[^"#]*"' "$root/guide/tutorial/index.html" |
      sed -e 's/.*href="//' -e 's/"$//' -e 's/%20/ /g' | awk '!seen[$0]++' | sed "s|^|$root/guide/tutorial/|"
    ls "$root"/guide/*/index.html | grep -v '/tutorial/' | sort
    ls "$root"/manual/*.html | sort |
      grep -v -E '/cmake-(commands|env-variables|modules|policies|properties|variables)\.7\.html$'
    ls "$root"/command/*.html | sort)
  extract cmake cmake-docs cmake "$root" --skip-class contents "${files[@]}"
  notice cmake "The CMake 3.25 documentation: tutorial, guides, manual pages, command reference" \
    "2000-2022 Kitware, Inc., Insight Software Consortium" \
    "BSD-3-clause (its text is in LICENSE)"
}

# django: the Django 3.2 documentation: the introduction and tutorial in their own order, topic guides, how-tos, then
# the reference; indexes, search, the module source pages and release notes left out, and of each shell example only
# the Linux/macOS form (not the Windows copy or the tab labels)
build_django() {
  local root=/usr/share/doc/python-django-doc/html
  extract django django-docs django "$root" --skip-id hd --skip-id ft --skip-id sidebar --skip-class c-content-win \
    --skip-tag label \
    $(grep -o 'class="toctree-l1"><a class="reference internal" href="[^"#]*"' "$root/intro/index.html" |
        sed -e 's/.*href="//' -e 's/"$//' | awk '!seen[$0]++' | sed "s|^|$root/intro/|"
      for d in topics howto ref; do find "$root/$d" -name '*.html' ! -name index.html | sort; done)
  notice django "The Django 3.2 documentation (Django Software Foundation and individual contributors)" \
    "Django Software Foundation and individual contributors" \
    "BSD-3-Clause (its text is in LICENSE)"
}

for c in "${corpora[@]}"; do
  "build_$c"
done
ls -l */documents.jsonl.gz
