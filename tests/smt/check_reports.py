#!/usr/bin/env python3
"""Checks `busmap prove`'s reports against each other: the JUnit XML is
well-formed, has one test case per JSON result, and marks as failed exactly
the results whose verdict is not the expected one (none, when prove passed)."""
import json
import sys
import xml.etree.ElementTree as ET

results = json.load(open(sys.argv[1]))
root = ET.parse(sys.argv[2]).getroot()
cases = root.findall(".//testcase")
assert len(cases) == len(results), f"{len(cases)} test cases for {len(results)} results"
failed = [c.get("name") for c in cases if c.find("failure") is not None]
assert not failed, f"failed in JUnit but prove passed: {failed}"
mutants = [r for r in results if r.get("mutant")]
assert mutants and all(r["verdict"] == "refuted" for r in mutants), "a mutant was not refuted"
assert all(r["verdict"] == "proved" for r in results if not r.get("mutant")), "an obligation was not proved"
print(f"{len(cases)} test cases, all as expected")
