#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the seed captures of tests/fuzz/capture-corpus (run once; the files are committed):
small pcap and pcapng files with a call through a proxy in each link type the reader knows,
IPv4 and IPv6 fragments, a TCP stream with a retransmitted and an early segment, and RTP.

    make-capture-seeds.py DIR
"""

import os
import struct
import sys

P, A, B = ('10.0.0.1', 5060), ('10.0.0.5', 5062), ('10.0.0.7', 5064)
SDP = ('v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\n'
       'm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n')


def sip(start, vias, extra='', body='', tag=''):
    head = [start] + ['Via: SIP/2.0/UDP %s' % v for v in vias] + [
        'From: <sip:alice@10.0.0.1>;tag=fa', 'To: <sip:bob@10.0.0.1>' + tag,
        'Call-ID: seed-1', 'CSeq: 1 INVITE'] + ([extra] if extra else [])
    head.append('Content-Length: %d' % len(body))
    return ('\r\n'.join(head) + '\r\n\r\n' + body).encode()


def call():
    va = '10.0.0.5:5062;branch=z9hG4bKa1;rport=5062;received=10.0.0.5'
    vp = '10.0.0.1:5060;branch=z9hG4bKp1'
    rr = 'Record-Route: <sip:10.0.0.1:5060;lr>'
    return [
        (A, P, sip('INVITE sip:bob@10.0.0.1 SIP/2.0', [va], 'Max-Forwards: 70', SDP)),
        (P, A, sip('SIP/2.0 100 Trying', [va])),
        (P, B, sip('INVITE sip:bob@10.0.0.7:5064 SIP/2.0', [vp, va], rr + '\r\nMax-Forwards: 69',
                   SDP)),
        (B, P, sip('SIP/2.0 180 Ringing', [vp, va], rr, tag=';tag=tb')),
        (P, A, sip('SIP/2.0 180 Ringing', [va], rr, tag=';tag=tb')),
        (B, P, sip('SIP/2.0 200 OK', [vp, va], rr, SDP, ';tag=tb')),
        (P, A, sip('SIP/2.0 200 OK', [va], rr, SDP, ';tag=tb')),
    ]


def ip(a):
    return bytes(int(x) for x in a.split('.'))


def ipv4(src, dst, proto, payload, ident=1, frag=0x4000):
    return struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0,
                       ip(src), ip(dst)) + payload


def udp(src, dst, data):
    return struct.pack('>HHHH', src[1], dst[1], 8 + len(data), 0) + data


def ipv6(next_header, payload):
    addr = lambda last: bytes([0xfd] + [0] * 14 + [last])  # noqa: E731
    return struct.pack('>IHBB', 6 << 28, len(payload), next_header, 64) + addr(5) + addr(1) + payload


def pcap(path, linktype, packets):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, linktype))
        for i, p in enumerate(packets):
            f.write(struct.pack('<IIII', 1700000000, i * 1000, len(p), len(p)) + p)


def pcapng(path, linktype, packets):
    def block(kind, body):
        body += b'\0' * (-len(body) % 4)
        return struct.pack('<II', kind, 12 + len(body)) + body + struct.pack('<I', 12 + len(body))
    out = block(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack('<HHI', linktype, 0, 65535))
    for i, p in enumerate(packets):
        t = 1700000000 * 1000000 + i * 1000
        out += block(6, struct.pack('<IIIII', 0, t >> 32, t & 0xffffffff, len(p), len(p)) + p)
    with open(path, 'wb') as f:
        f.write(out)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    raw = [ipv4(s[0], d[0], 17, udp(s, d, m)) for s, d, m in call()]
    pcap(os.path.join(out, 'call-raw.pcap'), 101, raw)
    pcapng(os.path.join(out, 'call-ethernet.pcapng'), 1,
           [b'\0' * 12 + b'\x08\x00' + p for p in raw])
    pcap(os.path.join(out, 'call-sll2.pcap'), 276, [b'\x08\x00' + b'\0' * 18 + p for p in raw])
    pcap(os.path.join(out, 'call-null.pcap'), 0, [struct.pack('<I', 2) + p for p in raw])

    # A 2,000-byte INVITE in three IPv4 fragments, last first; and in IPv6 fragments.
    big = udp(A, P, sip('INVITE sip:bob@10.0.0.1 SIP/2.0', ['10.0.0.5:5062;branch=z9hG4bKf'],
                        'Max-Forwards: 70', SDP + 'a=x:' + 'y' * 1600 + '\r\n'))
    frags = []
    for off in range(0, len(big), 800):
        more = off + 800 < len(big)
        frags.append(ipv4(A[0], P[0], 17, big[off:off + 800], 9, (0x2000 if more else 0) | off // 8))
    pcap(os.path.join(out, 'fragments-v4.pcap'), 101, frags[::-1])
    v6 = []
    for off in range(0, len(big), 800):
        more = off + 800 < len(big)
        header = struct.pack('>BBHI', 17, 0, off | (1 if more else 0), 77)
        v6.append(ipv6(44, header + big[off:off + 800]))
    pcap(os.path.join(out, 'fragments-v6.pcap'), 101, v6)

    # SIP over TCP: SYN, then the stream in segments, one early and one sent twice.
    stream = b''.join(m for _, _, m in call()[:2])
    segs = [(0, 300), (600, len(stream)), (300, 600), (300, 600)]
    tcp = [ipv4(A[0], P[0], 6, struct.pack('>HHIIBBHHH', A[1], P[1], 999, 0, 0x50, 0x02, 65535, 0, 0))]
    for start, end in segs:
        tcp.append(ipv4(A[0], P[0], 6, struct.pack('>HHIIBBHHH', A[1], P[1], 1000 + start, 1,
                                                   0x50, 0x18, 65535, 0, 0) + stream[start:end]))
    pcap(os.path.join(out, 'tcp.pcap'), 101, tcp)

    # RTP both ways after the call.
    rtp = list(raw)
    for i in range(30):
        for s, d in (((A[0], 6000), (B[0], 6002)), ((B[0], 6002), (A[0], 6000))):
            rtp.append(ipv4(s[0], d[0], 17, udp(s, d, struct.pack('>BBHII', 0x80, 0, i, 160 * i,
                                                                  d[1]) + b'\xff' * 40)))
    pcap(os.path.join(out, 'rtp.pcap'), 101, rtp)


if __name__ == '__main__':
    main()
