#!/usr/bin/env python3
# tests/check/check_ktap.py - checks a file against the KTAP version 1 grammar.
#
# Written from the kernel's Documentation/dev-tools/ktap.rst, so that
# `busmap check --ktap` is held to the format kernel CI parses, not to what
# busmap's own writer happens to emit:
#   - a test starts with a version line "KTAP version 1";
#   - a plan line "1..N" gives the number of its subtests (we require it);
#   - each result is "ok N [description][ # [directive] [diagnostic]]" or
#     "not ok N ...", numbered from 1 in order; a description holds no '#';
#     the directive we know is SKIP (TODO and XFAIL are accepted);
#   - diagnostic lines start with '#' ("# text");
#   - a subtest is indented four more spaces, has its own version line and
#     plan, and is followed by its parent's result line for it.
# Stricter than the spec in one way: unknown lines are errors here (the spec
# lets parsers ignore them), since busmap writes none.  Also checks that a
# parent is "ok" exactly when none of its subtests is "not ok".
#
# Usage: check_ktap.py FILE...; prints "FILE: ok: ..." or the file's first
# problem as "FILE:LINE: ..." for each, and exits 1 when any has a problem.
import re
import sys

RESULT = re.compile(r'^(ok|not ok) ([0-9]+)(?: ([^#]*?))?(?: # ?(SKIP|TODO|XFAIL)?(.*))?$')
PLAN = re.compile(r'^1\.\.([0-9]+)$')


class Problem(Exception):
    pass


class Parser:
    def __init__(self, lines):
        self.lines = lines
        self.i = 0
        self.tests = 0

    def fail(self, why):
        raise Problem(f'{self.i + 1}: {why}')

    def peek(self, indent):
        """The current line without `indent`, or None at the end or when the
        line is not indented that far (it belongs to an outer level)."""
        if self.i >= len(self.lines):
            return None
        line = self.lines[self.i]
        if not line.startswith(indent):
            return None
        return line[len(indent):]

    def skip_diagnostics(self, indent):
        while (text := self.peek(indent)) is not None and text.startswith('#'):
            if len(text) > 1 and text[1] != ' ':
                self.fail(f'a diagnostic line is "# text", got {text!r}')
            self.i += 1

    def test(self, indent):
        """One test at `indent`: version, plan, its results; answers whether
        any result was "not ok" (skips aside)."""
        if self.peek(indent) != 'KTAP version 1':
            self.fail(f'expected {indent!r} + "KTAP version 1"')
        self.i += 1
        self.skip_diagnostics(indent)
        plan = PLAN.match(self.peek(indent) or '')
        if not plan:
            self.fail('expected a plan line "1..N"')
        planned = int(plan.group(1))
        self.i += 1
        failed = False
        for number in range(1, planned + 1):
            self.skip_diagnostics(indent)
            sub_failed = None
            if self.peek(indent + '    ') == 'KTAP version 1':
                sub_failed = self.test(indent + '    ')
                self.skip_diagnostics(indent)
            text = self.peek(indent)
            if text is None:
                self.fail(f'expected the result of test {number} of {planned}')
            m = RESULT.match(text)
            if not m:
                self.fail(f'not a KTAP result line: {text!r}')
            if int(m.group(2)) != number:
                self.fail(f'result numbered {m.group(2)}, expected {number}')
            ok = m.group(1) == 'ok'
            skipped = m.group(4) == 'SKIP'
            if sub_failed is not None and ok == sub_failed and not skipped:
                self.fail(f'result "{m.group(1)}" disagrees with its subtests')
            failed = failed or (not ok and not skipped)
            self.tests += 1
            self.i += 1
        self.skip_diagnostics(indent)
        return failed


def check(text):
    lines = text.split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    p = Parser(lines)
    p.test('')
    if p.i != len(lines):
        p.fail(f'unexpected line after the top-level test: {lines[p.i]!r}')
    return p.tests


def main():
    bad = 0
    for path in sys.argv[1:]:
        with open(path, encoding='utf-8') as f:
            text = f.read()
        try:
            n = check(text)
            print(f'{path}: ok: {n} results in KTAP version 1')
        except Problem as e:
            print(f'{path}:{e}')
            bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
