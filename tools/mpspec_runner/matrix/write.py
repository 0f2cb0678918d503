"""The matrix's files: matrix.md, summary.md and matrix.html in one folder."""
from pathlib import Path

from .markdown import markdown, summary
from .page import page


def write(results, out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    md, page_path = out / "matrix.md", out / "matrix.html"
    md.write_text(markdown(results), encoding="utf-8")
    (out / "summary.md").write_text(summary(results), encoding="utf-8")
    page_path.write_text(page(results), encoding="utf-8")
    return md, page_path
