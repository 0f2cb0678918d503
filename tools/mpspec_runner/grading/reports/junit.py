"""JUnit XML, for CI systems and dashboards."""
import xml.etree.ElementTree as ET

from .tally import failed


def junit(g):
    root = ET.Element("testsuites")
    suite = ET.SubElement(root, "testsuite", name=f"mpspec.{g.name}",
                          tests=str(len(g.results) or 1), failures=str(len(failed(g)) or
                                                                       int(bool(g.problem))),
                          time=f"{g.seconds:.1f}")
    if g.problem and not g.results:
        tc = ET.SubElement(suite, "testcase", classname="build", name="build")
        ET.SubElement(tc, "failure", message=g.problem).text = g.build_output[-20000:]
    for r in g.results:
        tc = ET.SubElement(suite, "testcase", classname=r.case.data.get("section", ""),
                           name=r.case.id)
        if not r.verdict.earns_credit:
            ET.SubElement(tc, "failure", message=r.case.data.get("claim", ""),
                          type=r.verdict).text = "" if r.hidden else r.details
    return ET.tostring(root, encoding="unicode") + "\n"
