"""Markdown to HTML with cmark-gfm (Debian's cmark-gfm: GitHub's CommonMark, with tables),
for the seed, API.md and the project's documentation; headings get GitHub's anchors, and
links are made to work inside the book."""
import re
import subprocess

from .layout import esc

HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)
LINK = re.compile(r'<a href="([^"]*)"([^>]*)>(.*?)</a>', re.S)
IMAGE = re.compile(r'<img src="([^"]*)"')


def slug(text):
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def to_html(text, links=None, images=None):
    """`text` as HTML. `links(href)` says where a relative link goes in the book (a page),
    or None: such a link becomes its text with the path beside it (the checkout's file is
    not part of the book). `images(src)` says where a relative image's copy is."""
    out = subprocess.run(["cmark-gfm", "--extension", "table", "--extension", "autolink"],
                         input=text, capture_output=True, text=True, check=True).stdout
    out = HEADING.sub(lambda m: f'<h{m.group(1)} id="{slug(m.group(2))}">{m.group(2)}</h{m.group(1)}>', out)

    def link(m):
        href, rest, label = m.groups()
        if re.match(r"[a-z]+:", href) or href.startswith("#"):
            return m.group(0)
        target = links(href) if links else None
        if target:
            return f'<a href="{esc(target)}"{rest}>{label}</a>'
        return f"{label} (<code>{href}</code>)" if href not in label else label
    out = LINK.sub(link, out)
    if images:
        out = IMAGE.sub(lambda m: f'<img src="{esc(images(m.group(1)))}"'
                        if not re.match(r"[a-z]+:", m.group(1)) else m.group(0), out)
    return out
