"""What a submission wrote, made safe to show: in Markdown (feedback.md, which Gradescope and
PrairieLearn render), in a CSV cell a spreadsheet opens, on a terminal, and as a file name.
A run's output, an exception's message and a file name are the submission's words: none of
them may close a code block, render as a link, an image or HTML, become a formula, move the
cursor or name a folder outside the reports."""
import re

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&])")
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def printable(text, newlines=True):
    """`text` with every control character (ESC, CR, bidi overrides, ...) shown as `?`; line
    breaks kept if `newlines`."""
    text = CONTROL.sub("?", str(text))
    return text if newlines else text.replace("\n", " ")


def inline(text):
    """Text for the running Markdown of a line: nothing in it is markup."""
    return MARKDOWN.sub(r"\\\1", printable(text, newlines=False))


def fenced(lines):
    """A code block that holds `lines` verbatim: its fence is longer than any run of
    backticks inside, so nothing inside can close it."""
    text = printable("\n".join(lines))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, *text.split("\n"), fence]


def csv_cell(value):
    """A gradebook cell a spreadsheet shows as text: never a formula."""
    if not isinstance(value, str):
        return value
    value = printable(value, newlines=False)
    return "'" + value if value.startswith(FORMULA) else value


def slug(name, fallback="submission"):
    """A file name from a submission's name: letters, digits, dots, dashes and underscores
    only, not starting with a dot or a dash, never empty, `.` or `..`, at most 80."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", str(name)).strip("-")
    cleaned = re.sub(r"^[.-]+", "", cleaned)[:80].rstrip(".-")
    return cleaned or fallback
