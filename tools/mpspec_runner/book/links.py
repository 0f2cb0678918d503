"""Every link inside the book leads somewhere: to a page of it, and to an id on that page."""
import html.parser
import re
from pathlib import Path
from urllib.parse import unquote


class _Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.hrefs = set(), []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        if tag in ("img", "script", "link") and (a.get("src") or a.get("href")):
            self.hrefs.append(a.get("src") or a.get("href"))


def broken(folder):
    """['page: href (why)'] for every link of the book's pages that leads nowhere; a link out
    of the book (http:, https:, mailto:) is not followed."""
    folder = Path(folder)
    pages = {}
    for f in sorted(folder.glob("*.html")):
        p = _Page()
        p.feed(f.read_text(encoding="utf-8"))
        pages[f.name] = p
    out = []
    for name, p in pages.items():
        for href in p.hrefs:
            if re.match(r"(https?|mailto):", href):
                continue
            path, _, anchor = href.partition("#")
            target = path or name
            if not target.endswith(".html"):
                if not (folder / unquote(target)).is_file():
                    out.append(f"{name}: {href} (no file {target})")
                continue
            if target not in pages:
                out.append(f"{name}: {href} (no page {target})")
            elif anchor and unquote(anchor) not in pages[target].ids:
                out.append(f"{name}: {href} (no id {anchor} on {target})")
    return out
