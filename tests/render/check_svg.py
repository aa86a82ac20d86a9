#!/usr/bin/env python3
"""Checks an SVG written by `busmap render`: well-formed XML, an <svg> root,
and the given element ids and classes present.

  check_svg.py FILE [#id | .class | .class=N]...
"""
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def main(path, wants):
    root = ET.parse(path).getroot()  # raises on malformed XML
    if root.tag != NS + "svg":
        sys.exit(f"{path}: root element is {root.tag}, not svg")
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    classes = [e.get("class") for e in root.iter() if e.get("class")]
    for want in wants:
        if want.startswith("#"):
            if want[1:] not in ids:
                sys.exit(f"{path}: no element with id {want[1:]}")
        elif want.startswith("."):
            name, _, count = want[1:].partition("=")
            n = classes.count(name.replace("+", " "))
            if (count and n != int(count)) or (not count and n == 0):
                sys.exit(f"{path}: {n} elements of class '{name}', wanted {count or 'some'}")
    print(f"{path}: well-formed, {len(ids)} ids, {len(classes)} classed elements")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
