"""JUnit XML, for CI systems and dashboards."""
import xml.etree.ElementTree as ET

from .safe import printable
from .tally import failed, hidden_numbers, in_report_order


def junit(g):
    root = ET.Element("testsuites")
    suite = ET.SubElement(root, "testsuite", name=f"mpspec.{g.name}",
                          tests=str(len(g.results) or 1), failures=str(len(failed(g)) or
                                                                       int(bool(g.problem))),
                          time=f"{g.seconds:.1f}")
    if g.problem and not g.results:
        tc = ET.SubElement(suite, "testcase", classname="build", name="build")
        ET.SubElement(tc, "failure", message=printable(g.problem)).text = printable(
            g.build_output[-20000:])
    numbers = hidden_numbers(g)
    for r in in_report_order(g.results):
        if r.hidden:  # nothing of its claim, its section or its id
            tc = ET.SubElement(suite, "testcase", classname="hidden",
                               name=f"hidden case {numbers[r.case.id]}")
        else:
            tc = ET.SubElement(suite, "testcase", classname=r.case.data.get("section", ""),
                               name=r.case.id)
        if not r.verdict.earns_credit:
            ET.SubElement(tc, "failure", message="" if r.hidden else r.case.data.get("claim", ""),
                          type=r.verdict).text = "" if r.hidden else printable(r.details)
    return ET.tostring(root, encoding="unicode") + "\n"
