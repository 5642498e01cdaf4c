#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""RFC 4475 (SIP torture test messages) §3.1.1 and §3.1.2 against ustredna-server.

Usage:
    rfc4475_tests.py --server PATH/ustredna-server TESTNAME [TESTNAME...]
    rfc4475_tests.py --server PATH/ustredna-server --all
    rfc4475_tests.py --list

Every message of RFC 4475 §3.1.1 (valid) and §3.1.2 (invalid) is a file in this
directory, NAME.dat, the bytes the RFC gives (its <hex> and <repeat> conventions
expanded).  The table MESSAGES below says, for each, what the RFC's own text asks of
a stateful proxy, and one test per message sends it to a running exchange on
127.0.0.1 from a plain UDP socket:

  relay     a valid request for a phone the test registered (a UDP socket of its own)
            reaches the phone with only the proxy's edits (Request-URI, our Via,
            received=, Max-Forwards, Record-Route, our own Route taken off), the rest of
            the torture byte for byte, and the phone's answer reaches the sender intact;
  answer    the exchange answers itself with the status code(s) the RFC names and a
            reason phrase naming the problem, and nothing reaches any phone;
  drop      nothing comes back and nothing is forwarded (responses the RFC says to
            discard: a response cannot be answered);
  either    what the RFC leaves to the element ("acceptable to reject, or be liberal"):
            a 400 naming the problem, or a relay that satisfies the RFC's condition.

A few need their own steps (a registration, a response from a phone); they are
functions in the table too.  After each message the exchange must still answer an
OPTIONS (no hang), must never have answered 2xx itself (except REGISTER) and must exit
0 on SIGTERM (no crash, no sanitizer report).

The exchange runs with --open: these messages come from users that never registered,
and what is tested is the torture, not the 403 for unregistered callers.  It treats
any host name as its own domain (it does no DNS), so sip:user@example.com reaches the
phone the test registered as "user".

Exit status: 0 pass, 1 fail.  Only the Python standard library is used.
"""

import argparse
import os
import re
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'sipp'))

import sipp_tests as st  # noqa: E402  (the servers and the failure report)

IP = st.IP
QUIET = 1.0            # how long "nothing arrives" is watched (s)
ANSWER_WAIT = 5.0      # bounded wait for an answer or a forwarded request (s)
T1 = 0.5               # the exchange's default T1 (s): retransmissions come after it


class TestFailure(st.TestFailure):
    pass


def fail(msg, *related):
    if related:
        msg += '\n' + '\n'.join('  >> ' + show(m).replace('\r\n', '\n  >> ') for m in related)
    raise TestFailure(msg)


def show(data):
    """Bytes as text for a report: printable, control characters escaped."""
    if isinstance(data, str):
        return data
    text = data.decode('utf-8', 'backslashreplace')
    return ''.join(c if c in '\r\n' or c >= ' ' and c != '\x7f' else '\\x%02x' % ord(c)
                   for c in text)


def load(name):
    with open(os.path.join(HERE, name + '.dat'), 'rb') as f:
        return f.read()


# --------------------------------------------------------------------------
# raw messages: header fields as the bytes on the wire (folding kept)

COMPACT = {b'v': b'via', b'f': b'from', b't': b'to', b'i': b'call-id', b'm': b'contact',
           b'l': b'content-length', b'c': b'content-type'}


def split(data):
    """(start line, [(lower-case long name, raw field incl. CRLF and folding)], body)."""
    head, sep, body = data.partition(b'\r\n\r\n')
    lines = head.split(b'\r\n')
    fields = []
    for line in lines[1:]:
        if line[:1] in (b' ', b'\t') and fields:
            name, raw = fields[-1]
            fields[-1] = (name, raw + line + b'\r\n')
            continue
        name = line.split(b':', 1)[0].strip().lower()
        fields.append((COMPACT.get(name, name), line + b'\r\n'))
    return lines[0], fields, body


def field_value(raw):
    """The value of a raw field, unfolded."""
    value = raw.split(b':', 1)[1]
    return re.sub(rb'\r\n[ \t]+', b' ', value).strip()


def header(data, name):
    for n, raw in split(data)[1]:
        if n == name:
            return field_value(raw)
    return None


def status(data):
    m = re.match(rb'SIP/2\.0 (\d{3}) (.*)', data.split(b'\r\n', 1)[0])
    return (int(m.group(1)), m.group(2)) if m else (None, None)


def build_response(request, code, phrase, extra=b'', tag=b'phone'):
    """What a phone answers (RFC 3261 §8.2.6): the request's Via, From, To, Call-ID and
    CSeq fields as they arrived, a To tag if there was none."""
    _, fields, _ = split(request)
    out = b'SIP/2.0 %d %s\r\n' % (code, phrase)
    for name, raw in fields:
        if name == b'to' and not re.search(rb';\s*tag\s*=', field_value(raw), re.I):
            raw = raw[:-2] + b';tag=' + tag + b'\r\n'
        if name in (b'via', b'from', b'to', b'call-id', b'cseq'):
            out += raw
    return out + extra + b'Content-Length: 0\r\n\r\n'


# --------------------------------------------------------------------------
# phones: plain UDP sockets on 127.0.0.1, every wait bounded

class Phone:
    def __init__(self, ctx, label):
        self.label = label
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((IP, 0))
        self.port = self.sock.getsockname()[1]
        self.sent = []
        self.got = []
        self.log = open(os.path.join(ctx.dir, label + '_messages.log'), 'w', encoding='utf-8')
        ctx.phones.append(self)

    def send(self, srv, data):
        self.sent.append(data)
        self.log.write('--- sent to %s:\n%s\n' % (srv.addr, show(data)))
        self.log.flush()
        self.sock.sendto(data, (IP, srv.port))

    def receive(self, timeout):
        """The next datagram within timeout seconds, or None."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data, src = self.sock.recvfrom(65535)
            except socket.timeout:
                return None
            self.got.append(data)
            self.log.write('--- received from %s:%d:\n%s\n' % (src[0], src[1], show(data)))
            self.log.flush()
            return data

    def expect(self, what, timeout=ANSWER_WAIT, accept=lambda d: True):
        """The first datagram accept() takes, within timeout; the others are kept in got."""
        deadline = time.monotonic() + timeout
        while True:
            data = self.receive(max(0.0, deadline - time.monotonic()))
            if data is None:
                fail('%s: no %s within %.0f s' % (self.label, what, timeout))
            if accept(data):
                return data

    def final(self, srv, what, timeout=ANSWER_WAIT):
        """The first final response (>= 200)."""
        return self.expect(what, timeout, lambda d: (status(d)[0] or 0) >= 200)

    def quiet(self, seconds=QUIET):
        """Whatever arrives within seconds (nothing is expected)."""
        got = []
        deadline = time.monotonic() + seconds
        while True:
            data = self.receive(max(0.0, deadline - time.monotonic()))
            if data is None:
                return got
            got.append(data)

    def register(self, srv, user, expires=600):
        """Register user (as it is written in a URI: escaped) at this socket; returns
        the Contact URI the exchange bound, as its 200 lists it."""
        n = len(self.sent) + 1
        req = ('REGISTER sip:{ip} SIP/2.0\r\n'
               'Via: SIP/2.0/UDP {ip}:{p};branch=z9hG4bK-reg-{p}-{n};rport\r\n'
               'Max-Forwards: 70\r\n'
               'From: <sip:{u}@{ip}>;tag=reg{p}\r\n'
               'To: <sip:{u}@{ip}>\r\n'
               'Call-ID: reg-{p}-{n}@{ip}\r\n'
               'CSeq: {n} REGISTER\r\n'
               'Contact: <sip:{u}@{ip}:{p}>\r\n'
               'Expires: {e}\r\n'
               'Content-Length: 0\r\n\r\n').format(ip=IP, p=self.port, u=user, n=n, e=expires)
        self.send(srv, req.encode())
        answer = self.final(srv, 'answer to its REGISTER of %r' % user)
        if status(answer)[0] != 200:
            fail('%s: REGISTER of %r answered %r' % (self.label, user, status(answer)), answer)
        contacts = contact_uris(answer)
        mine = [c for c in contacts if c.endswith(b'@%s:%d' % (IP.encode(), self.port))]
        if len(mine) != 1:
            fail('%s: the REGISTER 200 for %r lists %r, expected one Contact at port %d'
                 % (self.label, user, contacts, self.port), answer)
        return mine[0]

    def close(self):
        self.sock.close()
        self.log.close()


def contact_uris(response):
    """The URIs of a REGISTER response's Contact fields, in order."""
    out = []
    for name, raw in split(response)[1]:
        if name == b'contact':
            out += re.findall(rb'<([^>]*)>', field_value(raw))
    return out


class Ctx(st.Ctx):
    def __init__(self, name, server_path):
        super().__init__(name, server_path, None)
        self.phones = []

    def phone(self, label):
        return Phone(self, label)

    def stop_all(self):
        for p in self.phones:
            p.close()
        super().stop_all()

    def abort(self):
        for p in self.phones:
            p.close()
        super().abort()

    def dump(self):
        super().dump()
        for p in self.phones:
            path = os.path.join(self.dir, p.label + '_messages.log')
            if os.path.exists(path):
                st.write_err('--- %s:\n%s\n' % (os.path.basename(path), st.read_text(path)))


# --------------------------------------------------------------------------
# what the exchange may change in a request it relays (RFC 3261 §16.6), undone

def undo_proxy_edits(srv, original, forwarded, contact, caller, record_route,
                     route_taken_off=None):
    """Check that forwarded is original with exactly the proxy's edits: the
    Request-URI replaced by the binding's Contact (§16.5, §16.6 step 2), our Via on
    top (step 8), received= (and rport's value) on the sender's Via (§18.2.1, RFC
    3581), Max-Forwards one less (step 3), our Record-Route for a new dialog (step 4),
    our own Route entry taken off (§16.4).  Everything else byte for byte."""
    line, rest = forwarded.split(b'\r\n', 1)
    oline, orest = original.split(b'\r\n', 1)
    method = oline.split(b' ', 1)[0]
    want = method + b' ' + contact + b' SIP/2.0'
    if line != want:
        fail('relayed request line is %r, expected %r (the Contact the phone registered)'
             % (line, want), forwarded)

    ours = re.compile(rb'Via: SIP/2\.0/UDP 127\.0\.0\.1:%d;branch=z9hG4bK[^;\r\n]+;rport\r\n'
                      % srv.port)
    if len(ours.findall(rest)) != 1:
        fail('relayed request: expected exactly one Via of the exchange (127.0.0.1:%d)'
             % srv.port, forwarded)
    first_via = next((raw for n, raw in split(original)[1] if n == b'via'), b'')
    if not rest[ours.search(rest).end():].startswith(first_via[:first_via.find(b':')]):
        fail('relayed request: the exchange\'s Via is not right above the sender\'s', forwarded)
    rest = ours.sub(b'', rest, count=1)

    rr = b'Record-Route: <sip:127.0.0.1:%d;lr>\r\n' % srv.port
    if record_route:
        if not rest.startswith(rr):
            fail('relayed request: expected our Record-Route at the top (a new dialog)',
                 forwarded)
        rest = rest[len(rr):]
    elif rr in rest:
        fail('relayed request: a Record-Route was added to a request that makes no dialog',
             forwarded)

    # §18.2.1: received= when the sent-by host is not where it came from; RFC 3581:
    # always with rport
    received = b';received=%s' % IP.encode()
    via_value = field_value(first_via).split(b',')[0]
    sent_by = re.match(rb'SIP\s*/\s*2\.0\s*/\s*\S+\s+([^;:\s]+)', via_value)
    added = 0 if sent_by and sent_by.group(1) == IP.encode() and \
        not re.search(rb';\s*rport', via_value) else 1
    if rest.count(received) != orest.count(received) + added:
        fail('relayed request: expected %d ";received=127.0.0.1" added to the sender\'s Via'
             % added, forwarded)
    rest = rest.replace(received, b'', added)
    rest = rest.replace(b';rport=%d' % caller.port, b';rport', 1)

    mf = re.compile(rb'(?im)^((?:max-forwards)[ \t]*:[ \t]*)(\d+)')
    om, fm = mf.search(orest), mf.search(rest)
    if om is None or fm is None or int(fm.group(2)) != int(om.group(2)) - 1:
        fail('relayed request: Max-Forwards %s, expected %s less one'
             % (fm and fm.group(2), om and om.group(2)), forwarded)
    rest = rest[:fm.start(2)] + om.group(2) + rest[fm.end(2):]

    if route_taken_off is not None:
        if route_taken_off not in orest:
            fail('test table: %r is not in the message' % route_taken_off)
        orest = orest.replace(route_taken_off, b'', 1)
    if rest != orest:
        fail('relayed request differs from what was sent beyond the proxy\'s own edits:\n'
             '  sent (after the request line):\n%s\n  relayed, edits undone:\n%s'
             % (show(orest), show(rest)))


def relay_round_trip(ctx, srv, data, user, answer=(200, b'OK'), extra=b'', record_route=None,
                     route_taken_off=None, registered=None, phone=None, contact=None):
    """Register user on a phone, send data from a caller, check what the phone gets and
    that the phone's answer reaches the caller as the phone sent it."""
    if phone is None:
        phone = ctx.phone('phone')
        contact = phone.register(srv, registered or user)
    caller = ctx.phone('caller')
    caller.send(srv, data)
    forwarded = phone.expect('relayed %s' % data.split(b' ', 1)[0].decode('utf-8', 'replace'),
                             accept=lambda d: not d.startswith(b'SIP/2.0 '))
    method = data.split(b' ', 1)[0]
    if record_route is None:
        record_route = method == b'INVITE' and header(data, b'to') is not None and \
            not re.search(rb';\s*tag\s*=', header(data, b'to'), re.I)
    undo_proxy_edits(srv, data, forwarded, contact, caller, record_route, route_taken_off)

    response = build_response(forwarded, answer[0], answer[1], extra)
    phone.send(srv, response)
    got = caller.final(srv, 'relayed %d' % answer[0])
    ours = re.compile(rb'Via: SIP/2\.0/UDP 127\.0\.0\.1:%d;[^\r]*\r\n' % srv.port)
    want = ours.sub(b'', response, count=1)
    if got != want:
        fail('the caller got the phone\'s %d other than the phone sent it (less the '
             'exchange\'s Via):\n  expected:\n%s\n  got:\n%s'
             % (answer[0], show(want), show(got)))
    return caller, phone, forwarded


# --------------------------------------------------------------------------
# checks after every message

def expect_alive(ctx, srv):
    """The exchange still answers: an OPTIONS to itself gets 200 (RFC 3261 §11)."""
    probe = ctx.phone('probe-%d' % len(ctx.phones))
    req = ('OPTIONS sip:{ip} SIP/2.0\r\n'
           'Via: SIP/2.0/UDP {ip}:{p};branch=z9hG4bK-alive-{p}\r\n'
           'Max-Forwards: 70\r\nFrom: <sip:probe@{ip}>;tag=alive\r\nTo: <sip:{ip}>\r\n'
           'Call-ID: alive-{p}@{ip}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n'
           ).format(ip=IP, p=probe.port)
    probe.send(srv, req.encode())
    answer = probe.final(srv, 'answer to an OPTIONS after the torture (the exchange hangs?)')
    if status(answer)[0] != 200:
        fail('the exchange answered its liveness OPTIONS with %r' % (status(answer),), answer)


def expect_no_local_2xx(ctx, relayed=(), allowed=()):
    """Nothing the callers got is a 2xx the exchange made itself: a 2xx must be one a
    phone sent (relayed), or a REGISTER's (allowed: the registrar's own)."""
    for p in ctx.phones:
        if p.label.startswith('probe') or p.label.startswith('phone') or p.label == 'joe':
            continue
        for data in p.got:
            code = status(data)[0]
            if code is None or not 200 <= code < 300:
                continue
            cseq = (header(data, b'cseq') or b'').split()
            if cseq[-1:] and cseq[-1] in allowed:
                continue
            if not any(data.split(b'\r\n', 1)[0] == r.split(b'\r\n', 1)[0] for r in relayed):
                fail('%s got a 2xx the exchange made itself' % p.label, data)


def expect_phones_quiet(phones, seconds=QUIET):
    deadline = time.monotonic() + seconds
    for p in phones:
        got = p.quiet(max(0.05, deadline - time.monotonic()))
        if got:
            fail('%s got %d message(s) it should not have' % (p.label, len(got)), *got)


# --------------------------------------------------------------------------
# what the RFC asks, by kind

def relay(user, registered=None, answer=(200, b'OK'), extra=b'', route_taken_off=None):
    def run(ctx, srv, data):
        caller, phone, fwd = relay_round_trip(ctx, srv, data, user, answer, extra,
                                              route_taken_off=route_taken_off,
                                              registered=registered)
        return [phone.sent[-1]]
    run.kind = 'relay'
    return run


def answer(codes, phrase, register=(), with_headers=()):
    """The exchange answers codes with a phrase matching the regex phrase (and the
    header fields with_headers); the phones registered as register get nothing."""
    def run(ctx, srv, data):
        phones = [ctx.phone('phone-' + re.sub(r'[^a-z0-9]', '', u)) for u in register]
        for p, u in zip(phones, register):
            p.register(srv, u)
        caller = ctx.phone('caller')
        caller.send(srv, data)
        got = caller.final(srv, 'answer (%s)' % ' or '.join(map(str, codes)))
        code, text = status(got)
        if code not in codes or not re.search(phrase.encode(), text, re.I):
            fail('expected %s with a reason phrase naming the problem (/%s/), got %d %s'
                 % (' or '.join(map(str, codes)), phrase, code, show(text)), got)
        for name in with_headers:
            if header(got, name.encode()) is None:
                fail('the %d has no %s header field' % (code, name), got)
        call_id = header(data, b'call-id')
        if call_id is not None and header(got, b'call-id') != call_id:
            fail('the %d does not carry the request\'s Call-ID %r' % (code, call_id), got)
        expect_phones_quiet(phones + [caller])
        return []
    run.kind = 'answer'
    return run


def drop(register=()):
    def run(ctx, srv, data):
        phones = [ctx.phone('phone-' + u) for u in register]
        for p, u in zip(phones, register):
            p.register(srv, u)
        caller = ctx.phone('caller')
        caller.send(srv, data)
        expect_phones_quiet(phones + [caller], 1.5)
        return []
    run.kind = 'drop'
    return run


def either(codes, phrase, user, relay_check=None, registered=None, answer_code=(200, b'OK')):
    """RFC: acceptable to reject (codes, phrase naming the problem), or to be liberal:
    then the request is relayed and relay_check(original, forwarded) holds."""
    def run(ctx, srv, data):
        phone = ctx.phone('phone')
        contact = phone.register(srv, registered or user)
        caller = ctx.phone('caller')
        caller.send(srv, data)
        deadline = time.monotonic() + ANSWER_WAIT
        while time.monotonic() < deadline:
            got = caller.receive(0.05)
            if got is not None and (status(got)[0] or 0) >= 200:
                code, text = status(got)
                if code not in codes or not re.search(phrase.encode(), text, re.I):
                    fail('expected %s naming the problem (/%s/) or a relay, got %d %s'
                         % (' or '.join(map(str, codes)), phrase, code, show(text)), got)
                expect_phones_quiet([phone])
                return []
            fwd = phone.receive(0.05)
            if fwd is not None:
                if relay_check is not None:
                    relay_check(data, fwd)
                response = build_response(fwd, answer_code[0], answer_code[1])
                phone.send(srv, response)
                back = caller.final(srv, 'relayed %d' % answer_code[0])
                if status(back)[0] != answer_code[0]:
                    fail('the caller got %r, not the phone\'s %d' % (status(back), answer_code[0]),
                         back)
                return [response]
        fail('neither an answer nor a relayed request within %.0f s' % ANSWER_WAIT)
    run.kind = 'either'
    return run


def request_line_clean(original, forwarded):
    """RFC 4475 §3.1.2.9, §3.1.2.10: a liberal element must not forward the extra SP."""
    line = forwarded.split(b'\r\n', 1)[0]
    if not re.fullmatch(rb'\S+ \S+ SIP/2\.0', line):
        fail('relayed with the torture in its Request-Line: %r' % line, forwarded)


def no_uri_headers(original, forwarded):
    """RFC 4475 §3.1.2.11: the escaped headers must not appear in the forwarded
    Request-URI, nor become header fields."""
    line = forwarded.split(b'\r\n', 1)[0]
    if b'?' in line or re.search(rb'(?im)^Route\s*:', forwarded.split(b'\r\n\r\n')[0]):
        fail('the escaped Route header of the Request-URI was forwarded', forwarded)


def names_quoted(original, forwarded):
    """RFC 4475 §3.1.2.15: a liberal proxy must not propagate the unquoted display names."""
    for name in (b'from', b'to'):
        value = header(forwarded, name)
        if value is not None and b',' in value.split(b'<')[0] and b'"' not in value:
            fail('relayed with an unquoted display name in %s: %r' % (name.decode(), value),
                 forwarded)


def date_kept(original, forwarded):
    """RFC 4475 §3.1.2.12: a liberal element ignores the Date it does not use."""
    if header(forwarded, b'date') != header(original, b'date'):
        fail('the Date header field was changed', forwarded)


def to_kept(original, forwarded):
    """RFC 4475 §3.1.2.14: liberal elements may ignore the spaces; a proxy leaves To alone."""
    if header(forwarded, b'to') != header(original, b'to'):
        fail('the To header field was changed', forwarded)


# ---- the messages with steps of their own

def t_escnull(ctx, srv, data):
    """§3.1.1.4: a registrar accepts it, keeps the AOR null-%00-null whole (not
    "null-"), and binds two distinct Contacts, listed as they were registered."""
    caller = ctx.phone('caller')
    caller.send(srv, data)
    got = caller.final(srv, 'REGISTER 200')
    want = [b'sip:%00@host5.example.com', b'sip:%00%00@host5.example.com']
    if status(got)[0] != 200 or contact_uris(got) != want:
        fail('expected 200 binding exactly %r, got %r with %r'
             % (want, status(got), contact_uris(got)), got)
    query = ctx.phone('query')
    for user, contacts in ((b'null-%00-null', want), (b'null-', [])):
        n = len(query.sent) + 1
        req = (b'REGISTER sip:127.0.0.1 SIP/2.0\r\n'
               b'Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-query-%d\r\n'
               b'Max-Forwards: 70\r\nFrom: <sip:%s@127.0.0.1>;tag=q\r\nTo: <sip:%s@127.0.0.1>\r\n'
               b'Call-ID: query-%d@127.0.0.1\r\nCSeq: %d REGISTER\r\nContent-Length: 0\r\n\r\n'
               % (query.port, n, user, user, n, n))
        query.send(srv, req)
        answer = query.final(srv, 'answer to a REGISTER query for %r' % user)
        if status(answer)[0] != 200 or contact_uris(answer) != contacts:
            fail('a query for the AOR %r lists %r, expected %r (the AOR must not be cut at '
                 'the escaped NUL)' % (user, contact_uris(answer), contacts), answer)
    return []


t_escnull.kind = 'register'


def t_dblreq(ctx, srv, data):
    """§3.1.1.8: the REGISTER is handled; the INVITE after it in the datagram is noise
    (RFC 3261 §18.3): joe, registered, gets nothing and nothing answers it."""
    joe = ctx.phone('joe')
    joe.register(srv, 'joe')
    caller = ctx.phone('caller')
    caller.send(srv, data)
    got = caller.final(srv, 'REGISTER 200')
    if status(got)[0] != 200 or header(got, b'cseq') != b'8 REGISTER' or \
            contact_uris(got) != [b'sip:j.user@host.example.com']:
        fail('expected the REGISTER\'s 200 binding sip:j.user@host.example.com', got)
    expect_phones_quiet([joe, caller])
    return []


t_dblreq.kind = 'register'


def t_mpart01(ctx, srv, data):
    """§3.1.1.11: relayed by its Route, the binary body (with NULs) framed by
    Content-Length and passed on whole.  The loopback addresses it names (the sender
    at 127.0.0.1:5070, the next hop at 127.0.0.1:5080) become the test's sockets."""
    phone = ctx.phone('phone')
    caller = ctx.phone('caller')
    data = data.replace(b'127.0.0.1:5070', b'127.0.0.1:%d' % caller.port)
    data = data.replace(b'127.0.0.1:5080', b'127.0.0.1:%d' % phone.port)
    caller.send(srv, data)
    fwd = phone.expect('relayed MESSAGE', accept=lambda d: d.startswith(b'MESSAGE '))
    # the Request-URI stays (a Route decides the next hop, §16.6 step 7)
    undo_proxy_edits(srv, data, fwd, b'sip:kumiko@example.org', caller, False)
    if fwd.split(b'\r\n\r\n', 1)[1] != data.split(b'\r\n\r\n', 1)[1]:
        fail('the multipart body was not relayed whole')
    response = build_response(fwd, 200, b'OK')
    phone.send(srv, response)
    back = caller.final(srv, 'relayed 200')
    if status(back)[0] != 200:
        fail('the caller got %r' % (status(back),), back)
    return [response]


t_mpart01.kind = 'relay'


def invite_for(response, caller, user='user'):
    """A plain INVITE from caller that the torture response answers (its Call-ID,
    CSeq, From and To), so that the phone can send it back through the exchange."""
    body = (b'v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n'
            b't=0 0\r\nm=audio 49170 RTP/AVP 0\r\n')
    to = re.sub(rb';\s*tag=[^;]*', b'', header(response, b'to'))
    return (b'INVITE sip:%s@127.0.0.1 SIP/2.0\r\n'
            b'Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s;rport\r\n'
            b'Max-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\n'
            b'Contact: <sip:caller@127.0.0.1:%d>\r\nContent-Type: application/sdp\r\n'
            b'Content-Length: %d\r\n\r\n%s'
            % (user.encode(), caller.port, header(response, b'call-id').split(b'.')[0],
               header(response, b'from'), to, header(response, b'call-id'),
               header(response, b'cseq'), caller.port, len(body), body))


def with_vias_of(torture, forwarded):
    """The torture response with its Via replaced by the forwarded request's Vias: the
    one thing a phone must change to answer through the exchange."""
    start, fields, body = split(torture)
    vias = b''.join(raw for n, raw in split(forwarded)[1] if n == b'via')
    out, done = start + b'\r\n', False
    for name, raw in fields:
        if name == b'via':
            if not done:
                out += vias
                done = True
            continue
        out += raw
    return out + b'\r\n' + body


def t_unreason(ctx, srv, data):
    """§3.1.1.12: a 200 whose reason phrase is unreserved characters and UTF-8
    (Russian): accepted and relayed to the caller with the phrase byte for byte."""
    phone = ctx.phone('phone')
    phone.register(srv, 'user')
    caller = ctx.phone('caller')
    caller.send(srv, invite_for(data, caller))
    fwd = phone.expect('relayed INVITE', accept=lambda d: d.startswith(b'INVITE '))
    response = with_vias_of(data, fwd)
    phone.send(srv, response)
    got = caller.final(srv, 'relayed 200')
    ours = re.compile(rb'Via: SIP/2\.0/UDP 127\.0\.0\.1:%d;[^\r]*\r\n' % srv.port)
    want = ours.sub(b'', response, count=1)
    if got != want:
        fail('the 200 reached the caller changed:\n  expected:\n%s\n  got:\n%s'
             % (show(want), show(got)))
    return [response]


t_unreason.kind = 'relay'


def t_noreason(ctx, srv, data):
    """§3.1.1.13: a 100 with an empty reason phrase (the SP after the code present) is
    accepted: it stops the exchange's INVITE retransmissions (RFC 3261 §17.1.1.2), and
    is not passed on (a 100 is hop by hop, §16.7 step 3)."""
    phone = ctx.phone('phone')
    phone.register(srv, 'user')
    caller = ctx.phone('caller')
    caller.send(srv, invite_for(data, caller))
    fwd = phone.expect('relayed INVITE', accept=lambda d: d.startswith(b'INVITE '))
    phone.send(srv, with_vias_of(data, fwd))
    again = [d for d in phone.quiet(3 * T1) if d.startswith(b'INVITE ')]
    if again:
        fail('the exchange sent the INVITE again after the phone\'s "100 " (not accepted?)',
             *again)
    for d in caller.got + caller.quiet(0.2):
        if d.startswith(b'SIP/2.0 100 \r\n'):
            fail('the phone\'s 100 was passed on to the caller (hop by hop, §16.7 step 3)', d)
    final = build_response(fwd, 486, b'Busy Here')
    phone.send(srv, final)
    got = caller.final(srv, 'relayed 486')
    if status(got) != (486, b'Busy Here'):
        fail('the caller got %r, expected the phone\'s 486' % (status(got),), got)
    return [final]


t_noreason.kind = 'relay'


def t_regbadct(ctx, srv, data):
    """§3.1.2.13: reasonable to answer 400; a liberal registrar infers the brackets and
    binds sip:user@example.com?Route=%3Csip:sip.example.com%3E, listing it in <>."""
    caller = ctx.phone('caller')
    caller.send(srv, data)
    got = caller.final(srv, 'answer to the REGISTER')
    code, text = status(got)
    if code == 400:
        if not re.search(rb'Contact', text):
            fail('a 400 should name the Contact header field, got %r' % text, got)
        return []
    want = [b'sip:user@example.com?Route=%3Csip:sip.example.com%3E']
    if code != 200 or contact_uris(got) != want:
        fail('expected 400, or 200 binding %r in <>, got %d with %r'
             % (want, code, contact_uris(got)), got)
    # Liberal: then a request for user reaches the binding without the URI's header
    # in its Request-URI (RFC 3261 §19.1.1: no headers there), and no Route field
    # made of it (RFC 4475 §3.1.2.11 for the same header in a Request-URI).
    other = ctx.phone('other')
    req = ('OPTIONS sip:user@{ip} SIP/2.0\r\n'
           'Via: SIP/2.0/UDP {ip}:{p};branch=z9hG4bK-other-{p}\r\n'
           'Max-Forwards: 70\r\nFrom: <sip:other@{ip}>;tag=o1\r\nTo: <sip:user@{ip}>\r\n'
           'Call-ID: other-{p}@{ip}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n'
           ).format(ip=IP, p=other.port).encode()
    other.send(srv, req)
    fwd = caller.expect('the OPTIONS for user', accept=lambda d: d.startswith(b'OPTIONS '))
    undo_proxy_edits(srv, req, fwd, b'sip:user@example.com', other, False)
    response = build_response(fwd, 200, b'OK')
    caller.send(srv, response)
    if status(other.final(srv, 'relayed 200'))[0] != 200:
        fail('the OPTIONS did not get the 200 back')
    return [response]


t_regbadct.kind = 'either'


# --------------------------------------------------------------------------
# the table: every message of §3.1.1 and §3.1.2, what the RFC's text asks

WSINV_ROUTE = (b'Route:\r\n <sip:services.example.com;lr;unknownwith=value;unknown-no-value>'
               b'\r\n')
INTMETH_USER = "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"
ALLOW = b'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n'
BAD_REQUEST_LINE = r'Request-Line|Request-URI'

MESSAGES = [
    # §3.1.1 — valid messages: relayed (or answered as their Request-URI asks)
    ('wsinv', '3.1.1.1', 'A Short Tortuous INVITE',
     # Any host name is the exchange's own domain (no DNS), so the Route naming
     # services.example.com is ours to take off (§16.4); the rest is relayed as sent.
     relay('vivekg', answer=(486, b'Busy Here'), route_taken_off=WSINV_ROUTE)),
    ('intmeth', '3.1.1.2', 'Wide Range of Valid Characters',
     # "If this unusual URI has been defined at a proxy, the proxy will forward this
     # request normally."  The phone, an endpoint, answers 501 with Allow.
     relay(INTMETH_USER, answer=(501, b'Not Implemented'), extra=ALLOW)),
    ('esc01', '3.1.1.3', 'Valid Use of the % Escaping Mechanism',
     # the user part is sips%3Auser%40example.com: registered escaped, looked up unescaped
     relay('sips:user@example.com', registered='sips%3Auser%40example.com',
           answer=(486, b'Busy Here'))),
    ('escnull', '3.1.1.4', 'Escaped Nulls in URIs', t_escnull),
    ('esc02', '3.1.1.5', 'Use of % When It Is Not an Escape',
     # RE%47IST%45R is an unknown method, addressed to the exchange itself (no user):
     # the exchange is the UAS here and answers 501 (RFC 3261 §8.2.1).
     answer((501,), r'Not Implemented', with_headers=('allow',))),
    ('lwsdisp', '3.1.1.6', 'Message with No LWS between Display Name and <', relay('user')),
    ('longreq', '3.1.1.7', 'Long Values in Header Fields',
     relay('user', answer=(486, b'Busy Here'))),
    ('dblreq', '3.1.1.8', 'Extra Trailing Octets in a UDP Datagram', t_dblreq),
    ('semiuri', '3.1.1.9', 'Semicolon-Separated Parameters in URI User Part',
     relay('user;par=u@example.net', registered='user;par=u%40example.net')),
    ('transports', '3.1.1.10', 'Varied and Unknown Transport Types', relay('user')),
    ('mpart01', '3.1.1.11', 'Multipart MIME Message', t_mpart01),
    ('unreason', '3.1.1.12', 'Unusual Reason Phrase', t_unreason),
    ('noreason', '3.1.1.13', 'Empty Reason Phrase', t_noreason),

    # §3.1.2 — invalid messages: refused with the right 4xx/5xx, or dropped
    ('badinv01', '3.1.2.1', 'Extraneous Header Field Separators',
     answer((400,), r'Via|Contact', register=('user',))),
    ('clerr', '3.1.2.2', 'Content Length Larger Than Message',
     answer((400,), r'Content-Length', register=('user',))),
    ('ncl', '3.1.2.3', 'Negative Content-Length',
     answer((400,), r'Content-Length', register=('user',))),
    ('scalar02', '3.1.2.4', 'Request Scalar Fields with Overlarge Values',
     answer((400,), r'CSeq')),
    ('scalarlg', '3.1.2.5', 'Response Scalar Fields with Overlarge Values',
     drop(register=('user',))),
    ('quotbal', '3.1.2.6', 'Unterminated Quoted String in Display Name',
     answer((400,), r'\bTo\b', register=('user',))),
    ('ltgtruri', '3.1.2.7', '<> Enclosing Request-URI',
     answer((400,), BAD_REQUEST_LINE, register=('user',))),
    ('lwsruri', '3.1.2.8', 'Malformed SIP Request-URI (embedded LWS)',
     answer((400,), BAD_REQUEST_LINE, register=('user',))),
    ('lwsstart', '3.1.2.9', 'Multiple SP Separating Request-Line Elements',
     either((400,), BAD_REQUEST_LINE, 'user', request_line_clean, answer_code=(486, b'Busy Here'))),
    ('trws', '3.1.2.10', 'SP Characters at End of Request-Line',
     either((400,), BAD_REQUEST_LINE, 'remote-target', request_line_clean)),
    ('escruri', '3.1.2.11', 'Escaped Headers in SIP Request-URI',
     either((400,), r'Request-URI', 'user', no_uri_headers, answer_code=(486, b'Busy Here'))),
    ('baddate', '3.1.2.12', 'Invalid Time Zone in Date Header Field',
     either((400,), r'Date', 'user', date_kept, answer_code=(486, b'Busy Here'))),
    ('regbadct', '3.1.2.13', 'Failure to Enclose name-addr URI in <>',
     t_regbadct),
    ('badaspec', '3.1.2.14', 'Spaces within addr-spec',
     either((400,), r'\bTo\b', 'user', to_kept)),
    ('baddn', '3.1.2.15', 'Non-Token Characters in Display Name',
     either((400,), r'From|\bTo\b', 't.watson', names_quoted)),
    ('badvers', '3.1.2.16', 'Unknown Protocol Version',
     answer((505,), r'Version', register=('t.watson',))),
    ('mismatch01', '3.1.2.17', 'Start Line and CSeq Method Mismatch',
     answer((400,), r'CSeq', register=('user',))),
    ('mismatch02', '3.1.2.18', 'Unknown Method with CSeq Method Mismatch',
     # "501 Not Implemented ... A 400 Bad Request is also acceptable"
     answer((501, 400), r'CSeq|Not Implemented', register=('user',))),
    ('bigcode', '3.1.2.19', 'Overlarge Response Code', drop(register=('user',))),
]


assert len(MESSAGES) == 32 and all(os.path.exists(os.path.join(HERE, n + '.dat'))
                                   for n, _, _, _ in MESSAGES)


def run_message(ctx, name, section, title, fn):
    srv = ctx.server(['--open'])
    data = load(name)
    relayed = fn(ctx, srv, data)
    expect_no_local_2xx(ctx, relayed, allowed=(b'REGISTER',) if section.startswith('3.1.1')
                        or name == 'regbadct' else ())
    expect_alive(ctx, srv)


# --------------------------------------------------------------------------
# runner

def run_one(name, server):
    entry = next(m for m in MESSAGES if 'rfc4475-' + m[0] == name)
    ctx = Ctx(name, server)
    try:
        try:
            run_message(ctx, *entry)
        except BaseException:
            ctx.abort()
            raise
        ctx.stop_all()
    except st.TestFailure as e:
        st.write_err('FAIL %s (RFC 4475 §%s %s): %s\n' % (name, entry[1], entry[2], e))
        ctx.dump()
        st.write_err('FAIL %s: %s\n(logs kept in %s)\n' % (name, str(e).split('\n')[0], ctx.dir))
        return False
    ctx.cleanup()
    print('PASS %s (RFC 4475 §%s %s)' % (name, entry[1], entry[2]))
    sys.stdout.flush()
    return True


def main():
    ap = argparse.ArgumentParser(description='RFC 4475 torture messages against ustredna-server')
    ap.add_argument('--server', help='path to the ustredna-server executable')
    ap.add_argument('--list', action='store_true', help='print the test names and exit')
    ap.add_argument('--all', action='store_true', help='run every test')
    ap.add_argument('tests', nargs='*', metavar='TESTNAME')
    args = ap.parse_args()

    names = ['rfc4475-' + m[0] for m in MESSAGES]
    if args.list:
        print('\n'.join(names))
        return st.EXIT_PASS
    wanted = names if args.all else args.tests
    if not wanted:
        ap.error('name a test (see --list) or use --all')
    unknown = [n for n in wanted if n not in names]
    if unknown:
        ap.error('unknown test(s): %s (see --list)' % ', '.join(unknown))
    if not args.server or not os.access(args.server, os.X_OK):
        ap.error('--server must name the ustredna-server executable')
    server = os.path.abspath(args.server)
    ok = True
    for n in wanted:
        ok = run_one(n, server) and ok
    return st.EXIT_PASS if ok else st.EXIT_FAIL


if __name__ == '__main__':
    sys.exit(main())
