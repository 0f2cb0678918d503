"""A grade's report folder: feedback.md, feedback.html, results.json, junit.xml and build.log."""
import json
from pathlib import Path

from .feedback import feedback
from .feedback_html import feedback_html
from .junit import junit
from .results_json import gradescope


def write_all(g, folder, rubric):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "feedback.md").write_text(feedback(g, rubric), encoding="utf-8")
    (folder / "feedback.html").write_text(feedback_html(g), encoding="utf-8")
    (folder / "results.json").write_text(json.dumps(gradescope(g), indent=1), encoding="utf-8")
    (folder / "junit.xml").write_text(junit(g), encoding="utf-8")
    (folder / "build.log").write_text(g.build_output, encoding="utf-8")
    return folder
