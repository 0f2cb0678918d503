"""The project's documentation as pages of the book: each Markdown file of the checkout named
here, converted by cmark-gfm, with links between them kept inside the book."""
import shutil
from pathlib import Path

from ..checkout import ROOT
from .layout import page
from .markdown import to_html

# (page, title, Markdown file of the checkout)
DOCS = [
    ("doc-readme.html", "The front page (README)", "README.md"),
    ("doc-grading.html", "Instructors: grading, the sandbox and its threat model, the exports",
     "tools/mpspec_runner/grading/README.md"),
    ("doc-suite.html", "The conformance suite: the matrix, CTest labels, verdicts, coverage, mutants",
     "conformance/README.md"),
    ("doc-cases.html", "Writing a case", "spec/README.md"),
    ("doc-protocol.html", "Writing an adapter: the driver protocol", "conformance/PROTOCOL.md"),
    ("doc-python-drivers.html", "The Python drivers and the alternatives",
     "conformance/drivers/cpython/README.md"),
    ("doc-reference.html", "The reference implementation: using it, and its design", "reference/README.md"),
    ("doc-performance.html", "Performance: the benchmarks", "bench/README.md"),
    ("doc-harness.html", "The harness: how a case becomes a verdict, a grade, a matrix and a book",
     "tools/mpspec_runner/README.md"),
]


def available():
    return [(f, t, src) for f, t, src in DOCS if (ROOT / src).is_file()]


def pages(assets):
    """{file name: HTML} of every documentation page; the pictures they show are copied into
    the folder `assets` (beside the pages)."""
    docs = available()
    by_path = {(ROOT / src).resolve(): f for f, _, src in docs}
    out = {}
    assets = Path(assets)
    for f, title, src in docs:
        folder = (ROOT / src).parent

        def links(href, folder=folder):
            path, _, anchor = href.partition("#")
            target = by_path.get((folder / path).resolve()) if path else None
            return (target + (f"#{anchor}" if anchor else "")) if target else None
        def images(src, folder=folder):
            picture = (folder / src).resolve()
            if not picture.is_file():
                return src  # left as it is: the link check names it
            assets.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(picture, assets / picture.name)
            return f"{assets.name}/{picture.name}"
        body = to_html((ROOT / src).read_text(encoding="utf-8"), links, images)
        out[f] = page(title, body)
    return out
