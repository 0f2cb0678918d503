"""The harness's layout (tools/mpspec_runner/README.md): imports go one way, as each
package's "May import" line says; no function under tools/ is longer than 60 lines; and
every module the data-flow page names exists."""
import ast
import re
import unittest
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[1]
PACKAGE = TOOLS / "mpspec_runner"
MAY_IMPORT = re.compile(r"^May import: (.*)\.$", re.MULTILINE)
LONGEST_FUNCTION = 60


def packages():
    """{package name: the set of packages it may import}, from each __init__.py."""
    found = {}
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        line = MAY_IMPORT.search(doc)
        found[init.parent.name] = None if line is None else {
            name.strip() for name in line.group(1).split(",") if name.strip() != "nothing"}
    return found


def owner(module):
    """The package a module of mpspec_runner belongs to: its first folder, or its own name
    for a module at the top (checkout)."""
    parts = module.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else module.stem


def imported(module, text=None):
    """(line, package of mpspec_runner) for every import of the harness in `module` (or in
    `text`, read as if it were that module's)."""
    tree = ast.parse(module.read_text(encoding="utf-8") if text is None else text)
    here = module.relative_to(PACKAGE).parent.parts
    siblings = {p.stem for p in module.parent.glob("*.py")}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = here[:len(here) - node.level + 1]
            target = [*base, *(node.module.split(".") if node.module else [])]
            yield node.lineno, (target or [node.names[0].name])[0]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mpspec_runner."):
            yield node.lineno, node.module.split(".")[1]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("mpspec_runner."):
                    yield node.lineno, alias.name.split(".")[1]
                elif alias.name in siblings:  # the reaper's scripts import their folder's
                    yield node.lineno, owner(module)


class ImportDirectionTest(unittest.TestCase):
    def test_every_package_says_what_it_may_import(self):
        known = set(packages()) | {"checkout"}
        for name, allowed in packages().items():
            self.assertIsNotNone(allowed, f"{name}/__init__.py has no 'May import: ...' line")
            self.assertLessEqual(allowed, known, f"{name} may import a package that does not exist")

    def test_imports_go_one_way(self):
        rules = {**packages(), "checkout": set()}
        wrong = []
        for module in sorted(PACKAGE.rglob("*.py")):
            mine = owner(module)
            if mine not in rules:  # __init__.py and __main__.py at the top: the package's door
                continue
            for line, target in imported(module):
                if target != mine and target not in rules[mine]:
                    wrong.append(f"{module.relative_to(TOOLS)}:{line} imports {target}, "
                                 f"which {mine} may not")
        self.assertEqual(wrong, [])

    def test_the_rule_catches_an_import_the_wrong_way(self):
        """The check itself: spec importing the judge is found."""
        module = PACKAGE / "spec" / "cases.py"
        text = module.read_text(encoding="utf-8") + "from ..judge.checks import Check\n"
        self.assertEqual([target for _, target in imported(module)], ["checkout", "spec"])
        self.assertIn("judge", [target for _, target in imported(module, text)])
        self.assertNotIn("judge", packages()["spec"])


class FunctionLengthTest(unittest.TestCase):
    def test_no_function_is_longer_than_60_lines(self):
        long = []
        files = [*TOOLS.rglob("*.py"), TOOLS / "mpspec"]
        for path in sorted(files):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    lines = node.end_lineno - node.lineno + 1
                    if lines > LONGEST_FUNCTION:
                        long.append(f"{path.relative_to(TOOLS)}:{node.lineno} {node.name}: "
                                    f"{lines} lines")
        self.assertEqual(long, [])


class DataFlowPageTest(unittest.TestCase):
    PAGE = PACKAGE / "README.md"
    NAMED = re.compile(r"`((?:[a-z_]+/)*[a-z_]+\.(?:py|cpp))`")

    def test_every_module_the_page_names_exists(self):
        text = self.PAGE.read_text(encoding="utf-8")
        names = set(self.NAMED.findall(text))
        missing = [name for name in sorted(names) if not self.where(name).exists()]
        self.assertGreater(len(names), 20)
        self.assertEqual(missing, [], "the data-flow page names modules that do not exist")

    @staticmethod
    def where(name):
        """A name of the page as a path: from the checkout's root, or the package's."""
        top = name.split("/")[0]
        return TOOLS.parent / name if top in ("tools", "conformance") else PACKAGE / name

    def test_every_arrow_names_a_module_and_a_format(self):
        text = self.PAGE.read_text(encoding="utf-8")
        table = text[text.index("| from | to | module | format |"):]
        rows = [line for line in table.splitlines()[2:] if line.startswith("|")]
        self.assertGreaterEqual(len(rows), 12)
        for row in rows:
            cells = [cell.strip() for cell in row.strip("|").split("|")]
            self.assertEqual(len(cells), 4, row)
            self.assertRegex(cells[2], r"`[a-z_/]+\.(py|cpp)`", row)
            self.assertTrue(cells[3], row)


if __name__ == "__main__":
    unittest.main()
