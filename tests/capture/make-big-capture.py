#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes a large capture for timing --analyse and File → Open Capture (issue #16 asks
100,000 messages in under 2 s): N calls through a correct proxy at 10.0.0.1:5060, 13 SIP
messages each (raw IP, pcap).

    make-big-capture.py FILE N_CALLS        # 7693 calls: 100,009 messages
    ustredna-server --analyse FILE
    UST_CAPTURE_BIG=FILE build/tests/gui/test-capture-window -p /ust/gui/capture-window/big
"""

import struct, sys
n_calls = int(sys.argv[2]); out = open(sys.argv[1], 'wb')
out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 101))
t = [1700000000.0]
def ip(a): return bytes(int(x) for x in a.split('.'))
def send(src, dst, text):
    data = text.replace('\n', '\r\n').encode()
    (sa, sp), (da, dp) = src, dst
    udp = struct.pack('>HHHH', sp, dp, 8 + len(data), 0) + data
    iph = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, ip(sa), ip(da))
    pkt = iph + udp
    t[0] += 0.0001
    sec = int(t[0]); usec = int((t[0] - sec) * 1e6)
    out.write(struct.pack('<IIII', sec, usec, len(pkt), len(pkt)) + pkt)
P = ('10.0.0.1', 5060)
sdp = 'v=0\no=- 1 1 IN IP4 10.0.0.5\ns=-\nc=IN IP4 10.0.0.5\nt=0 0\nm=audio 6000 RTP/AVP 0\na=rtpmap:0 PCMU/8000\n'
for c in range(n_calls):
    A = ('10.0.%d.%d' % (c // 250 % 250, c % 250 + 2), 5062); B = ('10.1.%d.%d' % (c // 250 % 250, c % 250 + 2), 5064)
    cid = 'call-%d' % c
    va = 'Via: SIP/2.0/UDP %s:%d;branch=z9hG4bKa%d;rport' % (A[0], A[1], c)
    vaf = 'Via: SIP/2.0/UDP %s:%d;branch=z9hG4bKa%d;rport=%d;received=%s' % (A[0], A[1], c, A[1], A[0])
    vp = 'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKp%d' % c
    d = 'From: <sip:a%d@10.0.0.1>;tag=fa\nTo: <sip:b%d@10.0.0.1>%%s\nCall-ID: %s\nCSeq: %%d %%s' % (c, c, cid)
    def m(start, vias, tag, cseq, meth, extra='', body=''):
        return '%s\n%s\n%s%s\nContent-Length: %d\n\n%s' % (start, '\n'.join(vias), d % (tag, cseq, meth), extra, len(body.replace('\n','\r\n')), body)
    rr = '\nRecord-Route: <sip:10.0.0.1:5060;lr>'
    send(A, P, m('INVITE sip:b%d@10.0.0.1 SIP/2.0' % c, [va], '', 1, 'INVITE', '\nMax-Forwards: 70\nContact: <sip:a@%s:%d>\nContent-Type: application/sdp' % A, sdp))
    send(P, A, m('SIP/2.0 100 Trying', [vaf], '', 1, 'INVITE'))
    send(P, B, m('INVITE sip:b%d@%s:%d SIP/2.0' % (c, B[0], B[1]), [vp, vaf], '', 1, 'INVITE', rr + '\nMax-Forwards: 69\nContact: <sip:a@%s:%d>\nContent-Type: application/sdp' % A, sdp))
    send(B, P, m('SIP/2.0 180 Ringing', [vp, vaf], ';tag=tb', 1, 'INVITE', rr))
    send(P, A, m('SIP/2.0 180 Ringing', [vaf], ';tag=tb', 1, 'INVITE', rr))
    send(B, P, m('SIP/2.0 200 OK', [vp, vaf], ';tag=tb', 1, 'INVITE', rr + '\nContent-Type: application/sdp', sdp))
    send(P, A, m('SIP/2.0 200 OK', [vaf], ';tag=tb', 1, 'INVITE', rr + '\nContent-Type: application/sdp', sdp))
    for meth, cseq, br in (('ACK', 1, 'k'), ('BYE', 2, 'y')):
        vb = va.replace('a%d;' % c, '%s%d;' % (br, c)); vbf = vaf.replace('a%d;' % c, '%s%d;' % (br, c)); vpb = vp + br
        send(A, P, m('%s sip:b@%s:%d SIP/2.0' % (meth, B[0], B[1]), [vb], ';tag=tb', cseq, meth, '\nRoute: <sip:10.0.0.1:5060;lr>\nMax-Forwards: 70'))
        send(P, B, m('%s sip:b@%s:%d SIP/2.0' % (meth, B[0], B[1]), [vpb, vbf], ';tag=tb', cseq, meth, '\nMax-Forwards: 69'))
        if meth == 'BYE':
            send(B, P, m('SIP/2.0 200 OK', [vpb, vbf], ';tag=tb', cseq, meth))
            send(P, A, m('SIP/2.0 200 OK', [vbf], ';tag=tb', cseq, meth))
