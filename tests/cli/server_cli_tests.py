#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""ustredna-server's command line as a user meets it: help, bad arguments,
a port already taken, an export from an empty diary. Loopback only, every
run bounded in time."""

import argparse
import csv
import hashlib
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

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
        (("--listen", "127.0.0.1:0", "--transport", "udp,sctp"), "Unknown transport “sctp”"),
        (("--listen", "127.0.0.1:0", "--tls-port", "70000"), "--tls-port"),
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


class Running:
    """A server started in the background; a thread collects its stdout lines."""

    def __init__(self, server, tmp, *args):
        self.process = subprocess.Popen(
            [server, "--listen", "127.0.0.1:0", "--data-dir", tmp, *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env={**os.environ, "LC_ALL": "C.UTF-8"})
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_line(self, pattern, what, timeout=10):
        """The first stdout line matching pattern, within timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for line in list(self.lines):
                m = re.search(pattern, line)
                if m:
                    return m
            check(time.monotonic() < deadline,
                  f"{what}: no line matching {pattern!r} within {timeout} s; got {self.lines!r}")
            check(self.process.poll() is None, f"{what}: the server exited; got {self.lines!r}")
            time.sleep(0.02)

    def stop(self):
        """SIGTERM; the lines printed until the exit are in self.lines afterwards."""
        self.process.terminate()
        code = self.process.wait(timeout=TIMEOUT)
        self.reader.join(TIMEOUT)
        self.process.stdout.close()
        self.process.stderr.close()
        check(code == 0, f"the server stops cleanly on SIGTERM (exit {code})")


def test_transports(server, tmp):
    """RFC 3261 §18: UDP and TCP share the port, TLS takes its own; the TLS line names the
    certificate's SHA-256 fingerprint, and the certificate is the one kept in the data
    folder, made once and used again on the next start."""
    running = Running(server, tmp)
    try:
        port = running.wait_line(r"^Listening on udp 127\.0\.0\.1:(\d+)$", "UDP").group(1)
        running.wait_line(rf"^Listening on tcp 127\.0\.0\.1:{port}$", "TCP on the UDP port")
        tls = running.wait_line(r"^Listening on tls 127\.0\.0\.1:(\d+) \(certificate SHA-256 "
                                r"([0-9A-F:]{95})\)$", "TLS with the fingerprint")
    finally:
        running.stop()
    with open(os.path.join(tmp, "tls-certificate.pem")) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    digest = hashlib.sha256(der).hexdigest().upper()
    expected = ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))
    check(tls.group(2) == expected,
          f"the fingerprint printed {tls.group(2)} is the certificate's {expected}")
    mode = os.stat(os.path.join(tmp, "tls-key.pem")).st_mode & 0o777
    check(mode == 0o600, f"the private key is readable by its owner only (mode {mode:o})")

    again = Running(server, tmp)
    try:
        second = again.wait_line(r"^Listening on tls .*SHA-256 ([0-9A-F:]{95})\)$", "TLS again")
    finally:
        again.stop()
    check(second.group(1) == expected, "the next start uses the same certificate")

    only_udp = Running(server, tmp, "--transport", "udp")
    try:
        only_udp.wait_line(r"^Listening on udp ", "UDP")
    finally:
        only_udp.stop()
    check(not any(l.startswith("Listening on tcp") or l.startswith("Listening on tls")
                  for l in only_udp.lines), f"--transport udp serves UDP only: {only_udp.lines!r}")


def test_doctor_tls_on_tcp_port(server, tmp):
    """The transport doctor: a phone set to TLS with the UDP/TCP port number (Linphone's
    default transport with port 5060 typed in) is told, in one line naming its address,
    what to change; once, however often it retries."""
    running = Running(server, tmp)
    try:
        port = int(running.wait_line(r"^Listening on udp 127\.0\.0\.1:(\d+)$", "UDP").group(1))
        tls_port = int(running.wait_line(r"^Listening on tls 127\.0\.0\.1:(\d+)", "TLS").group(1))
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as plain:
                try:
                    context.wrap_socket(plain).close()
                    check(False, "a TLS handshake on the TCP port must not succeed")
                except (ssl.SSLError, OSError):
                    pass
        line = running.wait_line(r"^127\.0\.0\.1 tried TLS on port \d+", "the doctor's line").string
        check(f"tried TLS on port {port}" in line and f"TLS with port {tls_port}" in line,
              f"the line names the port tried and the TLS port to use: {line!r}")
        time.sleep(0.5)
    finally:
        running.stop()
    count = sum(1 for l in running.lines if "tried TLS on port" in l)
    check(count == 1, f"one line for three tries within a minute, not {count}")


def test_tls_port_in_use(server, tmp):
    squatter = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    squatter.bind(("127.0.0.1", 0))
    squatter.listen(1)
    port = squatter.getsockname()[1]
    try:
        result = run(server, "--listen", "127.0.0.1:0", "--tls-port", str(port), data_dir=tmp)
    finally:
        squatter.close()
    check(result.returncode != 0, "a taken TLS port fails", result)
    check(f"Port {port} on 127.0.0.1 is already in use" in result.stderr,
          "the message names the TLS port, the address and the cause", result)


def test_analyse_arguments(server, tmp):
    """--analyse, --json, --proxy and --report as a student meets them: the help names them,
    each mistake is said in a sentence, and nothing starts listening."""
    result = run(server, "--help")
    for option in ("--analyse", "--json", "--proxy", "--report"):
        check(option in result.stdout, f"--help explains {option}", result)
    text = os.path.join(tmp, "notes.txt")
    with open(text, "w") as f:
        f.write("not a capture\n")
    cases = [
        (("--json",), "--json and --proxy go with --analyse", 2),
        (("--proxy", "127.0.0.1:5060"), "--json and --proxy go with --analyse", 2),
        (("--analyse", os.path.join(tmp, "missing.pcap")), "There is no file", 1),
        (("--analyse", text), "pcapng", 1),
        (("--analyse", text, "--proxy", "nowhere"), "is not an address and port", 2),
        (("--report", os.path.join(tmp, "r")), "--report needs a capture", 2),
    ]
    for args, expected, status in cases:
        result = run(server, *args, data_dir=tmp)
        check(result.returncode == status, f"{args} exits {status}", result)
        check(expected in result.stderr, f"{args}: the message mentions {expected!r}", result)
        check("Listening" not in result.stdout, f"{args}: nothing started", result)


TESTS = {
    "cli-help": test_help,
    "cli-analyse-arguments": test_analyse_arguments,
    "cli-bad-arguments": test_bad_arguments,
    "cli-port-in-use": test_port_in_use,
    "cli-export-empty": test_export_empty,
    "cli-transports": test_transports,
    "cli-doctor-tls-on-tcp-port": test_doctor_tls_on_tcp_port,
    "cli-tls-port-in-use": test_tls_port_in_use,
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
