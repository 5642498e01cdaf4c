#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A SIP proxy with four mistakes a student's proxy often has, for the capture check to find:

1. it routes a new request by the user in To instead of the Request-URI (RFC 3261 §16.5);
2. it forgets Record-Route on the INVITE (§16.6 step 4);
3. it relays the callee's 100 Trying upstream (§16.7 step 5);
4. it answers an in-dialog NOTIFY itself instead of relaying it (§16).

Everything else it does right, statelessly (§16.11): it registers phones (and answers with
their bindings and expiry, §10.3), adds its Via and takes it off again, decrements
Max-Forwards, keeps bodies, tags and Call-ID, and sends responses where the Via says.

    broken_proxy.py [--port N]     prints "Listening on 127.0.0.1:PORT", stops on SIGTERM
"""

import argparse
import hashlib
import re
import signal
import socket
import sys

IP = '127.0.0.1'
COMPACT = {'v': 'via', 'f': 'from', 't': 'to', 'i': 'call-id', 'm': 'contact', 'l': 'content-length'}


class Message:
    def __init__(self, data):
        head, _, self.body = data.partition(b'\r\n\r\n')
        lines = head.decode('utf-8', 'replace').split('\r\n')
        self.start = lines[0]
        self.headers = []
        for line in lines[1:]:
            name, _, value = line.partition(':')
            self.headers.append([name.strip(), value.strip()])

    @property
    def is_request(self):
        return not self.start.startswith('SIP/2.0 ')

    @property
    def method(self):
        return self.start.split(' ', 1)[0]

    def values(self, name):
        name = name.lower()
        return [v for n, v in self.headers if COMPACT.get(n.lower(), n.lower()) == name]

    def get(self, name):
        found = self.values(name)
        return found[0] if found else None

    def set(self, name, value):
        for h in self.headers:
            if COMPACT.get(h[0].lower(), h[0].lower()) == name.lower():
                h[1] = value
                return

    def bytes(self):
        head = '\r\n'.join([self.start] + ['%s: %s' % (n, v) for n, v in self.headers])
        return head.encode() + b'\r\n\r\n' + self.body


def user_of(value):
    m = re.search(r'sips?:([^@;>]+)@', value or '')
    return m.group(1) if m else None


def host_port(uri):
    m = re.search(r'sips?:(?:[^@;>]+@)?([^:;>]+)(?::(\d+))?', uri)
    return m.group(1), int(m.group(2) or 5060)


def via_address(via):
    m = re.match(r'SIP/2\.0/\w+\s+([^:;]+)(?::(\d+))?(.*)', via)
    host, port, params = m.group(1), int(m.group(2) or 5060), m.group(3)
    rm = re.search(r';rport=(\d+)', params)
    hm = re.search(r';received=([^;]+)', params)
    return (hm.group(1) if hm else host, int(rm.group(1)) if rm else port)


class Proxy:
    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((IP, port))
        self.port = self.sock.getsockname()[1]
        self.bindings = {}

    def branch(self, msg):
        top = msg.values('via')[0]
        key = (top + msg.method).encode()
        return 'z9hG4bK' + hashlib.md5(key).hexdigest()[:16]

    def reply(self, msg, source, code, phrase, extra=()):
        to = msg.get('to')
        if ';tag=' not in to:
            to += ';tag=broken1'
        lines = ['SIP/2.0 %d %s' % (code, phrase)]
        lines += ['Via: %s' % v for v in msg.values('via')]
        lines += ['From: %s' % msg.get('from'), 'To: %s' % to, 'Call-ID: %s' % msg.get('call-id'),
                  'CSeq: %s' % msg.get('cseq')]
        lines += list(extra) + ['Content-Length: 0']
        self.sock.sendto(('\r\n'.join(lines) + '\r\n\r\n').encode(), source)

    def forward(self, msg, target):
        msg.headers.insert(0, ['Via', 'SIP/2.0/UDP %s:%d;branch=%s'
                               % (IP, self.port, self.branch(msg))])
        mf = msg.get('max-forwards')
        if mf is not None:
            msg.set('max-forwards', str(int(mf) - 1))
        self.sock.sendto(msg.bytes(), target)

    def request(self, msg, source):
        to_tag = ';tag=' in (msg.get('to') or '')
        if msg.method == 'REGISTER':
            contact = msg.get('contact')
            self.bindings[user_of(msg.get('to'))] = source
            self.reply(msg, source, 200, 'OK', ['Contact: %s;expires=3600' % contact.split(';')[0]])
        elif msg.method == 'NOTIFY' and to_tag:
            self.reply(msg, source, 200, 'OK')                      # mistake 4
        elif not to_tag and msg.method != 'ACK':
            target = self.bindings.get(user_of(msg.get('to')))      # mistake 1
            if target is None:
                self.reply(msg, source, 404, 'Not Found')
                return
            method, uri, version = msg.start.split(' ')
            msg.start = '%s sip:%s@%s:%d %s' % (method, user_of(msg.get('to')), target[0],
                                                target[1], version)
            self.forward(msg, target)                               # mistake 2: no Record-Route
        else:
            self.forward(msg, host_port(msg.start.split(' ')[1]))

    def response(self, msg):
        # Our Via is the first value of the first Via line (§7.3.1: a line may hold several).
        first = next(i for i, (n, _) in enumerate(msg.headers)
                     if COMPACT.get(n.lower(), n.lower()) == 'via')
        rest = [v.strip() for v in msg.headers[first][1].split(',')[1:]]
        if rest:
            msg.headers[first][1] = ', '.join(rest)
        else:
            del msg.headers[first]
        if not msg.values('via'):
            return
        next_hop = msg.values('via')[0].split(',')[0]
        self.sock.sendto(msg.bytes(), via_address(next_hop))     # mistake 3: even a 100

    def serve(self):
        while True:
            data, source = self.sock.recvfrom(65535)
            if not data.strip():
                continue
            msg = Message(data)
            if msg.is_request:
                self.request(msg, source)
            else:
                self.response(msg)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', type=int, default=0)
    proxy = Proxy(ap.parse_args().port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print('Listening on %s:%d' % (IP, proxy.port), flush=True)
    proxy.serve()


if __name__ == '__main__':
    main()
