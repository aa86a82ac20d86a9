#!/usr/bin/env python3
"""Checks `busmap prove`'s reports against each other: the JUnit XML is
well-formed, has one test case per JSON result, and marks as failed exactly
the results whose verdict is not the expected one (none, when prove passed).
With --plugin: every counterexample trace was run on the plugin, which passed
it, and each such run is one more (passing) test case."""
import json
import sys
import xml.etree.ElementTree as ET

results = json.load(open(sys.argv[1]))
root = ET.parse(sys.argv[2]).getroot()
cases = root.findall(".//testcase")
plugin_runs = [r for r in results if "plugin" in r]
assert len(cases) == len(results) + len(plugin_runs), \
    f"{len(cases)} test cases for {len(results)} results and {len(plugin_runs)} plugin runs"
if "--plugin" in sys.argv[3:]:
    traces = [r for r in results if r.get("trace_file")]
    assert traces and len(plugin_runs) == len(traces), "a counterexample trace was not run on the plugin"
    assert all(r["plugin"]["verdict"] == "pass" for r in plugin_runs), "the plugin failed a trace"
failed = [c.get("name") for c in cases if c.find("failure") is not None]
assert not failed, f"failed in JUnit but prove passed: {failed}"
mutants = [r for r in results if r.get("mutant")]
assert mutants and all(r["verdict"] == "refuted" for r in mutants), "a mutant was not refuted"
assert all(r["verdict"] == "proved" for r in results if not r.get("mutant")), "an obligation was not proved"
print(f"{len(cases)} test cases, all as expected")
