"""A page per seed section, and one for the cases beyond the seed: the seed's own text, then
every case with its claim, its programs side by side, what it expects and the verdicts."""
import re

from ..programs import cpp, python
from . import expected, verdicts
from .layout import esc, page
from .markdown import to_html

SECTIONS = {"10.4.1": "multiprocessing Basics", "10.4.2": "Importable Target Functions",
            "10.4.3": "Determining the Current Process", "10.4.4": "Daemon Processes",
            "10.4.5": "Waiting for Processes", "10.4.6": "Terminating Processes",
            "10.4.7": "Process Exit Status", "beyond": "Beyond the seed"}
BEYOND = ("Behaviour the seed does not state and API.md does (misuse, handles, the at-exit "
          "rules, output, start methods), each a case like the seed's.")


def file_of(section):
    return f"{section}.html"


def seed_sections(seed_text):
    """{"10.4.1": the seed's Markdown of that section}."""
    out, current = {}, None
    for line in (seed_text or "").splitlines():
        m = re.match(r"### (10\.4\.\d)\b", line)
        if m:
            current = m.group(1)
            out[current] = []
        elif line.startswith("## "):  # the chapter's next part
            current = None
        if current:
            out[current].append(line)
    return {k: "\n".join(v) for k, v in out.items()}


def program(parts):
    """A program: its header and helpers folded, the case's own lines shown."""
    head, body = parts
    return (f"<details><summary>its first {len(head)} lines: headers and helpers</summary>"
            f"<pre><code>{esc(chr(10).join(head))}</code></pre></details>"
            f"<pre><code>{esc(chr(10).join(body).strip(chr(10)))}</code></pre>")


def case_block(case, results_of_case):
    d = case.data
    clauses = ", ".join(f'<a href="clauses.html#{esc(c)}"><code>{esc(c)}</code></a>'
                        for c in d.get("clauses", []))
    quote = f"<blockquote>{esc(d['quote'])}</blockquote>" if d.get("quote") else ""
    example = f" · the seed's <code>{esc(d['example'])}</code>" if d.get("example") else ""
    expects = "".join(f"<tr><th>{esc(what)}</th><td><code>{'<br>'.join(esc(x) for x in lines)}"
                      f"</code></td></tr>" for what, lines in expected.expectations(case))
    methods = (f" · only under {', '.join(d['start_methods'])}" if d.get("start_methods") else "")
    return f"""<section class="case" id="{esc(case.id)}">
<h3><a class="self" href="#{esc(case.id)}">{esc(case.id)}</a><span class="level">{esc(case.level)}</span></h3>
<p class="claim">{esc(d.get('claim', ''))}</p>{quote}
<p class="note">From <code>{esc(case.rel)}</code>{example}{methods} · weight {esc(case.weight)} · clauses: {clauses}</p>
<div class="programs"><div><h4>C++ (only <code>mp/process.hpp</code>)</h4>{program(cpp.write_parts(case))}</div>
<div><h4>Python (CPython's multiprocessing)</h4>{program(python.write_parts(case))}</div></div>
<h4>What the case expects</h4><table>{expects}</table>
<h4>Verdicts</h4>{verdicts.table(results_of_case)}
</section>"""


def section_page(section, cases, seed_md, results):
    by_case = verdicts.by_case(results)
    title = f"{section} {SECTIONS[section]}" if section != "beyond" else SECTIONS[section]
    intro = to_html(seed_md) if seed_md else f"<h1>{esc(title)}</h1><p>{esc(BEYOND)}</p>"
    toc = "".join(f'<li><a href="#{esc(c.id)}">{esc(c.id)}</a>: {esc(c.data.get("claim", ""))}</li>'
                  for c in cases)
    body = [intro, f"<h2 id=\"cases\">The {len(cases)} cases of this section</h2><ul>{toc}</ul>"]
    cpp.lay_out(cases)  # (one clang-format for the section's programs)
    body += [case_block(c, by_case.get(c.id)) for c in cases]
    return page(title, "\n".join(body))
