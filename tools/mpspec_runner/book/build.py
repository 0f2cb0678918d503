"""Writes the book: every page, from the spec, the clause map, the seed, the samples, the
documentation and the latest matrix results (if a run left them)."""
import json
from pathlib import Path

from ..checkout import SAMPLES, SPEC, shared_file
from ..spec import cases as casemod
from ..spec import clauses as clausemod
from . import docs, other_pages, sections
from .links import broken


def load_results(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def build(out, results_path):
    """Writes out/*.html; returns (pages written, broken links)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cases = [casemod.load(p) for p in casemod.discover([SPEC])]
    section_of = {c.id: c.data.get("section") for c in cases}
    clauses = clausemod.load()
    clausemod.attach(clauses, cases)
    results = load_results(results_path)
    seed_file = shared_file("seed/pymotw-multiprocessing-basics.md")
    seed = sections.seed_sections(seed_file.read_text(encoding="utf-8") if seed_file else "")
    doc_list = docs.available()
    pages = {"index.html": other_pages.contents(cases, results, doc_list),
             "clauses.html": other_pages.clauses_page(clauses, section_of),
             "matrix.html": other_pages.matrix_page(results, section_of),
             "samples.html": other_pages.samples_page(
                 sorted(d for d in SAMPLES.iterdir() if (d / "sample.toml").is_file()), section_of),
             "docs.html": other_pages.docs_page(doc_list), **docs.pages(out / "assets")}
    for section in sections.SECTIONS:
        mine = [c for c in cases if c.data.get("section") == section]
        pages[sections.file_of(section)] = sections.section_page(section, mine, seed.get(section), results)
    for name, text in pages.items():
        (out / name).write_text(text, encoding="utf-8")
    return sorted(pages), broken(out)
