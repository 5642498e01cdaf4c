#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""ustredna-server's command line as a user meets it: help, bad arguments,
a port already taken, an export from an empty diary. Loopback only, every
run bounded in time."""

import argparse
import csv
import os
import socket
import subprocess
import sys
import tempfile

TIMEOUT = 20


def run(server, *args, data_dir=None):
    cmd = [server, *args]
    if data_dir is not None:
        cmd += ["--data-dir", data_dir]
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=TIMEOUT, env={**os.environ, "LC_ALL": "C.UTF-8"})


def check(condition, message, result=None):
    if not condition:
        print("FAIL:", message, file=sys.stderr)
        if result is not None:
            print("exit:", result.returncode, file=sys.stderr)
            print("stdout:", result.stdout, file=sys.stderr)
            print("stderr:", result.stderr, file=sys.stderr)
        sys.exit(1)


def test_help(server, tmp):
    result = run(server, "--help")
    check(result.returncode == 0, "--help exits 0", result)
    for option in ("--listen", "--domain", "--reason", "--open", "--data-dir", "--relay-reasons",
                   "--min-expires", "--export-csv", "--since", "--until", "--excel"):
        check(option in result.stdout, f"--help explains {option}", result)


def test_bad_arguments(server, tmp):
    cases = [
        ((), "--listen"),
        (("--listen", "not-an-address"), "not an address and port"),
        (("--listen", "127.0.0.1:70000"), "not an address and port"),
        (("--listen", "127.0.0.1:0", "--reason", "200"), "CODE=TEXT"),
        (("--listen", "127.0.0.1:0", "--reason", "99=x"), "status code"),
        (("--since", "2026-11-24"), "--export-csv"),
        (("--export-csv", os.path.join(tmp, "x.csv"), "--since", "yesterday"), "yesterday"),
    ]
    for args, expected in cases:
        result = run(server, *args, data_dir=tmp)
        check(result.returncode != 0, f"{args} is refused", result)
        check(expected in result.stderr, f"{args}: the message mentions {expected!r}", result)
        check("Listening" not in result.stdout, f"{args}: nothing started", result)


def test_port_in_use(server, tmp):
    squatter = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    squatter.bind(("127.0.0.1", 0))
    port = squatter.getsockname()[1]
    try:
        result = run(server, "--listen", f"127.0.0.1:{port}", data_dir=tmp)
    finally:
        squatter.close()
    check(result.returncode != 0, "a taken port fails", result)
    check(f"Port {port} on 127.0.0.1 is already in use" in result.stderr,
          "the message names the port, the address and the cause", result)


def test_export_empty(server, tmp):
    path = os.path.join(tmp, "empty.csv")
    result = run(server, "--export-csv", path, data_dir=tmp)
    check(result.returncode != 0 and "calls.db" in result.stderr,
          "no diary yet: a clear error naming the file", result)

    # An exchange that ran and saw no calls leaves an empty diary.
    process = subprocess.Popen([server, "--listen", "127.0.0.1:0", "--data-dir", tmp],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        check(first.startswith("Listening on udp 127.0.0.1:"), f"the server started: {first!r}")
    finally:
        process.terminate()
        check(process.wait(timeout=TIMEOUT) == 0, "the server stops cleanly on SIGTERM")
        process.stdout.close()

    result = run(server, "--export-csv", path, data_dir=tmp)
    check(result.returncode == 0, "exporting an empty diary works", result)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    check(len(rows) == 1 and rows[0][0] == "call_id" and rows[0][-1] == "callee_ua",
          f"only the header row: {rows!r}")


TESTS = {
    "cli-help": test_help,
    "cli-bad-arguments": test_bad_arguments,
    "cli-port-in-use": test_port_in_use,
    "cli-export-empty": test_export_empty,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("test", nargs="?")
    args = parser.parse_args()
    if args.list:
        print("\n".join(TESTS))
        return 0
    with tempfile.TemporaryDirectory(prefix="ustredna-cli-") as tmp:
        TESTS[args.test](args.server, tmp)
    print("PASS", args.test)
    return 0


if __name__ == "__main__":
    sys.exit(main())
