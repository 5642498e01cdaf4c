#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Keeps the shape of the code true to src/DESIGN.md.

1. The arrows between the parts of src/core/: a file of one part may include only headers of
   its own part and of the parts it may use (the table below, the same as src/DESIGN.md's).
   Meson's include paths already make a wrong include a build error; this check says which
   rule was broken, and also catches a header found through a path it should not be on.
2. No GTK in src/core/ and src/net/.
3. libosip2 is known only in src/core/sip/: elsewhere its structures are only read (list
   and parameter getters), never built, parsed or changed.
4. No circles between the files of src/: if a.c calls a function defined in b.c, b.c must not
   call one defined in a.c (directly or round a longer loop). The one exception is a window
   and its -actions.c file (the gnome-text-editor pattern).

    check-parts.py TOP_SRCDIR

Prints each problem and exits 1 when there is one.
"""

import os
import re
import sys

# part folder (relative to src/core) -> the parts it may use, besides itself.
ALLOWED = {
    "sip": [],
    "wire": ["sip"],
    "registrar": ["sip"],
    "diary": ["sip"],
    "proxy": ["sip", "wire", "registrar", "diary"],
    "capture": ["sip", "wire"],
    "": ["sip", "wire", "registrar", "diary", "proxy"],
}

# libosip2 functions that only read; any other osip_/sdp_ call outside src/core/sip/ is a
# finding ("ust-sip.c stays the only file that knows libosip2").
OSIP_READERS = {
    "osip_list_get", "osip_list_size", "osip_list_eol", "osip_via_param_get_byname",
    "osip_uri_param_get_byname", "osip_uri_uparam_get_byname", "osip_contact_param_get_byname",
    "osip_from_get_tag", "osip_to_get_tag", "osip_message_get_body", "via_get_host",
    "osip_message_header_get_byname", "osip_message_get_contact", "osip_message_get_via",
    "osip_message_get_route", "osip_message_get_expires", "via_get_protocol",
}
OSIP_CALL = re.compile(r'\b((?:osip|sdp)_[a-z0-9_]+)\s*\(')

# Pairs of files that may call each other.
MUTUAL_OK = {frozenset({"src/ui/ust-window.c", "src/ui/ust-window-actions.c"})}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SYSTEM_INCLUDE = re.compile(r'^\s*#\s*include\s+<([^>]+)>', re.M)
DEFINITION = re.compile(r'^(ust_[a-z0-9_]+) \(', re.M)
CALL = re.compile(r'\b(ust_[a-z0-9_]+)\s*\(')
COMMENT = re.compile(r'/\*.*?\*/', re.S)
STRING = re.compile(r'"(?:\\.|[^"\\])*"')


def source_files(top, folder, suffixes):
    for root, _dirs, files in os.walk(os.path.join(top, folder)):
        for name in sorted(files):
            if name.endswith(suffixes):
                yield os.path.relpath(os.path.join(root, name), top)


def part_of(core_relative_dir):
    return core_relative_dir if core_relative_dir in ALLOWED else None


def check_arrows(top, problems):
    core = os.path.join(top, "src", "core")
    headers = {}  # header name -> part
    for path in source_files(top, "src/core", (".h",)):
        part = os.path.relpath(os.path.dirname(os.path.join(top, path)), core)
        headers[os.path.basename(path)] = "" if part == "." else part

    for path in source_files(top, "src/core", (".c", ".h")):
        folder = os.path.relpath(os.path.dirname(os.path.join(top, path)), core)
        part = "" if folder == "." else folder
        if part_of(part) is None:
            problems.append(f"{path}: folder src/core/{part} is not a part in the table")
            continue
        text = open(os.path.join(top, path), encoding="utf-8").read()
        for name in INCLUDE.findall(text):
            if name == "config.h" or name not in headers:
                continue
            target = headers[name]
            if target != part and target not in ALLOWED[part]:
                problems.append(
                    f"{path}: includes {name} of part '{target or 'core'}', "
                    f"but '{part or 'core'}' may use only "
                    f"{', '.join(ALLOWED[part]) or 'GLib and libosip2'}")


def check_no_gtk(top, problems):
    for folder in ("src/core", "src/net"):
        for path in source_files(top, folder, (".c", ".h")):
            text = open(os.path.join(top, path), encoding="utf-8").read()
            for name in SYSTEM_INCLUDE.findall(text):
                if name.startswith(("gtk/", "gdk/")):
                    problems.append(f"{path}: includes <{name}>; {folder} never uses GTK")


def check_osip_confined(top, problems):
    for path in source_files(top, "src", (".c",)):
        if path.startswith("src/core/sip/"):
            continue
        text = strip_noise(open(os.path.join(top, path), encoding="utf-8").read())
        for name in sorted(set(OSIP_CALL.findall(text)) - OSIP_READERS):
            problems.append(f"{path}: calls {name}; only src/core/sip/ may build, parse "
                            f"or change libosip2's structures (add a helper to ust-sip.c)")


def strip_noise(text):
    return STRING.sub('""', COMMENT.sub("", text))


def check_circles(top, problems):
    defined_in = {}
    calls = {}
    for path in source_files(top, "src", (".c",)):
        text = strip_noise(open(os.path.join(top, path), encoding="utf-8").read())
        for name in DEFINITION.findall(text):
            defined_in[name] = path
        calls[path] = set(CALL.findall(text))

    graph = {path: set() for path in calls}
    for path, names in calls.items():
        for name in names:
            target = defined_in.get(name)
            if target is not None and target != path:
                graph[path].add(target)

    # Tarjan's strongly connected components: each with more than one file is a circle.
    index, low, on_stack, stack, result = {}, {}, set(), [], []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            result.append(sorted(component))

    sys.setrecursionlimit(10000)
    for node in sorted(graph):
        if node not in index:
            visit(node)

    for component in result:
        if len(component) < 2 or frozenset(component) in MUTUAL_OK:
            continue
        members = set(component)
        edges = []
        for a in component:
            for b in sorted(graph[a] & members):
                used = sorted(n for n in calls[a] if defined_in.get(n) == b)
                edges.append(f"  {a} calls {b}: {', '.join(used[:4])}")
        problems.append("files that call each other round a circle:\n" + "\n".join(edges))


def main():
    if len(sys.argv) != 2:
        print("usage: check-parts.py TOP_SRCDIR")
        return 2
    top = sys.argv[1]
    problems = []
    check_arrows(top, problems)
    check_no_gtk(top, problems)
    check_osip_confined(top, problems)
    check_circles(top, problems)
    for problem in problems:
        print(f"FAIL: {problem}")
    if not problems:
        print("parts, arrows and calls between files as src/DESIGN.md says")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
