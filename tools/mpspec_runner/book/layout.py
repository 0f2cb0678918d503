"""The frame of every page of the book: one stylesheet in the page (no CDN: the book works
offline), a navigation bar, statuses in words and symbols (never colour alone)."""
import html

STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#222}
nav{background:#23324a;padding:.5em 1.5em;position:sticky;top:0;z-index:5}
nav a{color:#fff;margin-right:1.1em;text-decoration:none;white-space:nowrap} nav a:hover{text-decoration:underline}
main{max-width:1250px;margin:0 auto;padding:1em 1.5em 4em}
h1{font-size:1.6em} h2{margin-top:2em;border-bottom:1px solid #ddd} h3{margin-top:1.6em}
.case{border:1px solid #d7dce4;border-radius:6px;padding:.2em 1.2em 1em;margin:1.5em 0}
.case h3 a.self{color:#23324a;text-decoration:none}
.level{font-size:.8em;border:1px solid #888;border-radius:3px;padding:0 .35em;margin-left:.5em}
.claim{font-size:1.05em} blockquote{color:#555;border-left:3px solid #ccc;margin:.5em 0;padding-left:1em}
.programs{display:grid;grid-template-columns:1fr 1fr;gap:1em} .programs>div{min-width:0}
@media (max-width:900px){.programs{grid-template-columns:1fr}}
pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:.6em;overflow:auto;font-size:12.5px;line-height:1.35;max-height:34em}
code{font-family:ui-monospace,monospace}
table{border-collapse:collapse;margin:.5em 0} th,td{border:1px solid #ddd;padding:3px 8px;vertical-align:top;text-align:left}
th{background:#f4f4f4}
.PASS{color:#1b5e20} .FAIL,.XPASS,.TIMEOUT,.ERROR{color:#b71c1c;font-weight:600} .XFAIL,.OPTIONAL,.NOT_APPLICABLE,.UNSUPPORTED{color:#555}
.note{color:#555;font-size:.92em} .uncovered{color:#8a4b00}
.frame{overflow:auto;max-height:80vh} .frame th{position:sticky;top:0;z-index:2}
.frame td:first-child{white-space:nowrap;position:sticky;left:0;background:#fff;z-index:1}
"""


def esc(text):
    return html.escape(str(text), quote=True)


NAV = [("index.html", "Contents"), ("10.4.1.html", "10.4.1"), ("10.4.2.html", "10.4.2"),
       ("10.4.3.html", "10.4.3"), ("10.4.4.html", "10.4.4"), ("10.4.5.html", "10.4.5"),
       ("10.4.6.html", "10.4.6"), ("10.4.7.html", "10.4.7"), ("beyond.html", "Beyond the seed"),
       ("clauses.html", "Clauses"), ("matrix.html", "Matrix"), ("samples.html", "Samples"),
       ("docs.html", "Documentation")]


def page(title, body):
    """A whole page: `body` is HTML."""
    nav = "".join(f'<a href="{href}">{esc(text)}</a>' for href, text in NAV)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)} · mpspec</title><style>{STYLE}</style></head>\n"
            f"<body><nav>{nav}</nav><main>\n{body}\n</main></body></html>\n")
