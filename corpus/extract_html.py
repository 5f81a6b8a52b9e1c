#!/usr/bin/env python3
"""Turns installed HTML documentation into plain-text documents (JSONL, one RawDocument per line).

Usage: extract_html.py --corpus NAME --domain DOMAIN --root DIR --max-bytes N [--no-code]
                       [--skip-class CLASS]... [--skip-id ID]... [--skip-tag TAG]... FILE...

Only the standard library is used, so the output depends on the input files and this script alone.
Navigation (headers, footers, sidebars, menus, language bars, "¶" links), scripts, styles and drawn syntax diagrams
are dropped, whether an element names them by class or by id; every block-level element (paragraph, list item,
heading, code block, ...) becomes one block of text; consecutive blocks of one page are joined into documents of about
800 to 1,600 characters, so that each document passes ingest's quality rules (at least 50 words) and fits the demo's
eval budget. Files are read in the order given until the text reaches --max-bytes. A document's id is the corpus name,
the page's path under --root and its number in the page. With --no-code, code blocks, program listings and tables are
left out (used for the general corpus, which should read as prose). --skip-class, --skip-id and --skip-tag add one package's own
page chrome to the skip rules, so that a rule for one documentation generator cannot change another corpus.
"""
import argparse
import gzip
import html.parser
import json
import os
import re
import sys

BLOCK_TAGS = {"p", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "tr", "td", "th",
              "caption", "div", "table", "ul", "ol", "dl", "section", "br"}
SKIP_TAGS = {"script", "style", "head", "title", "nav"}
SKIP_CLASSES = {"navheader", "navfooter", "related", "sphinxsidebar", "footer", "headerlink", "toc",
                "inline-search", "mobile-nav", "menu-wrapper", "footnotes", "clearer", "breadcrumbs",
                "docnav", "permalink", "toplang", "bottomlang", "menu-bar", "nosearch", "fancy_toc", "imgcontainer",
                "boring"}  # mdbook's "boring" lines are the parts of a code example the reader never sees
# asciidoc (git), the Apache manual, mdbook (Rust) and publican (Debian handbook) mark their page chrome by id
SKIP_IDS = {"footer", "page-header", "path", "quickview", "banner", "search-wrapper"}
CODE_CLASSES = {"screen", "programlisting", "highlight", "literallayout", "synopsis", "table", "informaltable",
                "doctest", "highlight-python3", "highlight-none", "highlight-sql"}
VOID_TAGS = {"br", "img", "hr", "meta", "link", "input", "col", "area", "base", "wbr"}

MIN_DOC_CHARS = 800
MAX_DOC_CHARS = 1600
MIN_DOC_WORDS = 60


class BlockParser(html.parser.HTMLParser):
    """Collects the text blocks of one page, leaving out what the skip rules name."""

    def __init__(self, no_code, skip_classes=frozenset(), skip_ids=frozenset(), skip_tags=frozenset()):
        super().__init__(convert_charrefs=True)
        self.no_code = no_code
        self.skip_classes = SKIP_CLASSES | skip_classes
        self.skip_ids = SKIP_IDS | skip_ids
        self.skip_tags = SKIP_TAGS | skip_tags
        self.stack = []  # (tag, skipping, preformatted) per open element
        self.blocks = []
        self.buffer = []

    def _skipping(self):
        return bool(self.stack) and self.stack[-1][1]

    def _pre(self):
        return bool(self.stack) and self.stack[-1][2]

    def _flush(self):
        text = "".join(self.buffer)
        self.buffer = []
        if any(t == "pre" for t, _, _ in self.stack) or (self.stack and self.stack[-1][2]):
            text = "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))
        else:
            text = re.sub(r"\s+", " ", text).strip()
        if text:
            self.blocks.append(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        skipping = (self._skipping() or tag in self.skip_tags or bool(classes & self.skip_classes)
                    or attributes.get("id") in self.skip_ids)
        if self.no_code and (tag in {"pre", "table"} or classes & CODE_CLASSES):
            skipping = True
        pre = self._pre() or tag == "pre"
        if tag in BLOCK_TAGS and not self._skipping():
            self._flush()
        if tag not in VOID_TAGS:
            self.stack.append((tag, skipping, pre))

    def handle_startendtag(self, tag, attrs):
        if tag == "br" and not self._skipping():
            self.buffer.append("\n" if self._pre() else " ")

    def handle_endtag(self, tag):
        if tag in VOID_TAGS:
            return
        # pop to the matching element; stray end tags are ignored
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                if tag in BLOCK_TAGS and not self.stack[i][1]:
                    self._flush()
                del self.stack[i:]
                return

    def handle_data(self, data):
        if not self._skipping():
            self.buffer.append(data)

    def close(self):
        super().close()
        self._flush()


def documents(blocks):
    """Joins consecutive blocks into documents of MIN..MAX characters; a short tail is added to the last one."""
    docs, current = [], []
    size = 0
    for block in blocks:
        if len(block) > MAX_DOC_CHARS and not current:
            docs.append(block[:MAX_DOC_CHARS * 2])
            continue
        if current and size + len(block) > MAX_DOC_CHARS:
            docs.append("\n\n".join(current))
            current, size = [], 0
        current.append(block)
        size += len(block) + 2
        if size >= MIN_DOC_CHARS:
            docs.append("\n\n".join(current))
            current, size = [], 0
    if current:
        tail = "\n\n".join(current)
        if docs and len(docs[-1]) + len(tail) < MAX_DOC_CHARS * 2:
            docs[-1] = docs[-1] + "\n\n" + tail
        else:
            docs.append(tail)
    return [d for d in docs if len(d.split()) >= MIN_DOC_WORDS]


def page_name(path, root):
    """The page's path under root, less extension and language suffix: tutorial/classes.html -> tutorial-classes
    (spaces, as in CMake's tutorial file names, become underscores)."""
    relative = os.path.splitext(os.path.relpath(path, root))[0]
    return relative.removesuffix(".en").replace(os.sep, "-").replace(" ", "_")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--domain", required=True)
    ap.add_argument("--root", required=True, help="directory the page ids are taken relative to")
    ap.add_argument("--max-bytes", type=int, required=True)
    ap.add_argument("--no-code", action="store_true")
    ap.add_argument("--skip-class", action="append", default=[], help="one more class of page chrome to leave out")
    ap.add_argument("--skip-id", action="append", default=[], help="one more id of page chrome to leave out")
    ap.add_argument("--skip-tag", action="append", default=[], help="one more element to leave out")
    ap.add_argument("--out", required=True)
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()

    total = 0
    count = 0
    seen = set()
    # mtime 0 and no file name in the gzip header: the same input gives byte-identical output
    with open(args.out, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        for path in args.files:
            with open(path, encoding="utf-8", errors="replace") as f:
                parser = BlockParser(args.no_code, frozenset(args.skip_class), frozenset(args.skip_id),
                                     frozenset(args.skip_tag))
                parser.feed(f.read())
                parser.close()
            page = page_name(path, args.root)
            for n, text in enumerate(documents(parser.blocks)):
                if text in seen:  # boilerplate repeated across pages
                    continue
                seen.add(text)
                size = len(text.encode("utf-8"))
                if total + size > args.max_bytes:
                    print(f"{args.corpus}: {count} documents, {total} bytes of text (limit reached at {path})",
                          file=sys.stderr)
                    return
                doc = {"id": f"{args.corpus}-{page}-{n}", "domain": args.domain, "text": text, "source": args.corpus}
                gz.write((json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8"))
                total += size
                count += 1
    print(f"{args.corpus}: {count} documents, {total} bytes of text (all files used)", file=sys.stderr)


if __name__ == "__main__":
    main()
