#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sum meson test results over one or more runs and print 'N passed, N failed'.

Each run is given as `--run TESTLOG EXIT_STATUS`: the run's meson-logs/testlog.json (one JSON
object per line, each with a "result" field) and the exit status of its `meson test`. A run
whose `meson test` failed but whose log shows no failed test (it crashed, was interrupted, or
never wrote the log) counts as one failure, so a broken run can never look green.
`--build-failures N` adds N failures for builds that stopped before their tests ran.

The last line printed is always the summary; the exit status is 1 when anything failed.
"""

import argparse
import json
import sys

PASSED = {"OK", "EXPECTEDFAIL"}
FAILED = {"FAIL", "UNEXPECTEDPASS", "TIMEOUT", "ERROR", "INTERRUPT"}
SKIPPED = {"SKIP"}


def count_log(path):
    """Return (passed, failed, skipped) for one testlog.json; a missing file has no tests."""
    passed = failed = skipped = 0
    try:
        f = open(path, encoding="utf-8")
    except FileNotFoundError:
        return passed, failed, skipped
    with f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                result = json.loads(line).get("result")
            except (json.JSONDecodeError, AttributeError):
                print(f"count-tests: {path}:{lineno}: not a JSON object, ignored", file=sys.stderr)
                continue
            if result in PASSED:
                passed += 1
            elif result in FAILED:
                failed += 1
            elif result in SKIPPED:
                skipped += 1
            else:
                # An unknown result is treated as a failure rather than silently dropped.
                print(f"count-tests: {path}:{lineno}: unknown result {result!r}, counted as failed",
                      file=sys.stderr)
                failed += 1
    return passed, failed, skipped


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", nargs=2, action="append", default=[],
                        metavar=("TESTLOG", "EXIT_STATUS"),
                        help="a run's testlog.json and the exit status of its meson test")
    parser.add_argument("--build-failures", type=int, default=0, metavar="N",
                        help="builds that failed before their tests ran")
    args = parser.parse_args(argv)

    passed, failed, skipped = 0, args.build_failures, 0
    for path, status in args.run:
        p, f, s = count_log(path)
        if int(status) != 0 and f == 0:
            print(f"count-tests: meson test exited {status} with no failed test in {path}; "
                  "counting the run as 1 failed", file=sys.stderr)
            f = 1
        passed, failed, skipped = passed + p, failed + f, skipped + s

    # stderr first, so that the summary really is the last line on a merged terminal.
    sys.stderr.flush()
    summary = f"{passed} passed, {failed} failed"
    if skipped:
        summary += f", {skipped} skipped"
    print(summary, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
