#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The robot phones of ustredna-server, called by sipp phones (and, for RTP, by a phone
written out by hand here).

Usage:
    robot_tests.py --server PATH/ustredna-server TESTNAME [TESTNAME...]
    robot_tests.py --list

The servers, sipp runs, message logs and diary checks come from sipp_tests.py
(imported from this directory).  Each test calls one robot and checks what a student
would see: the status codes, the re-INVITEs, the REFER and its NOTIFYs, the diary's
rows and dispositions, and for echo the RTP coming back from and to the right ports.

Exit status: 0 pass, 1 fail, 77 skip (sipp not installed).
"""

import argparse
import os
import random
import re
import shutil
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sipp_tests as st  # noqa: E402  (needs the path above)
from sipp_tests import IP, DOM, fail  # noqa: E402

ROBOT_TESTS = []
# sipp-robot-hold: answer, 5 s, hold, 5 s, resume (src/core/robots/ust-robots.h)
HOLD_SCENARIO_S = 12


def test(name):
    def deco(fn):
        ROBOT_TESTS.append((name, fn))
        return fn
    return deco


def robot_port(srv, robot):
    """The robot's SIP port, from the server's line for its REGISTER."""
    line = srv.wait_stdout(r'REGISTER %s from 127\.0\.0\.1:\d+: 1 binding' % robot,
                           'the %s robot\'s registration' % robot)
    return int(re.search(r'127\.0\.0\.1:(\d+)', line).group(1))


def robot_fields(srv, uac, robot, diary_call):
    """The columns of a call from a sipp caller to a robot."""
    agent = diary_call['callee_ua'] or ''
    if not re.fullmatch(r'Ustredna/\S+ robot', agent):
        fail('call %s: callee_ua is %r, expected the robots\' "Ustredna/VERSION robot"'
             % (diary_call['call_id'], agent))
    fields = st.call_fields(uac, None, callee=robot)
    fields['callee_addr'] = '%s:%d (UDP)' % (IP, robot_port(srv, robot))
    fields['callee_ua'] = agent
    return fields


def answered_by_robot(uac, robot):
    """The 200 a robot sent: its Contact, its Server, an SDP answer with PCMU on a port."""
    ok = st.last_response(uac, 'INVITE', 200)
    contact = ok.header('contact') or ''
    if not re.search(r'<sip:%s@127\.0\.0\.1:\d+>' % robot, contact):
        fail('the %s robot\'s 200 has Contact %r' % (robot, contact), ok)
    if not re.fullmatch(r'Ustredna/\S+ robot', ok.header('server') or ''):
        fail('the %s robot\'s 200 has Server %r' % (robot, ok.header('server')), ok)
    body = ok.text.split('\r\n\r\n', 1)[1]
    if not re.search(r'^m=audio [1-9]\d* RTP/AVP 0\r?$', body, re.M) or 'c=IN IP4 127.0.0.1' not in body:
        fail('the %s robot\'s answer is not PCMU on a port of 127.0.0.1' % robot, ok)
    return ok


@test('sipp-robot-echo')
def t_echo(ctx):
    srv = ctx.server()
    pa = ctx.port()
    ctx.register(srv, 'alice', pa)
    uac = ctx.run('uac-alice', 'uac_call.xml', srv, pa, keys={'me': 'alice'}, service='echo',
                  extra=['-d', '1000'])
    answered_by_robot(uac, 'echo')
    # the robot's tags: To has one, and the ACK and BYE crossed the exchange (Route)
    if not re.search(r';tag=\w+', st.last_response(uac, 'INVITE', 200).header('to') or ''):
        fail('the echo robot\'s 200 has no To tag')
    diary = st.stopped_diary(srv, 1)
    call = diary.calls[0]
    st.expect_call(diary, call, st.ANSWERED_KINDS, min_talk=1.0,
                   **dict(robot_fields(srv, uac, 'echo', call), **st.ANSWERED))


def reject_test(ctx, robot, code, phrase, scenario, state):
    srv = ctx.server()
    pa = ctx.port()
    ctx.register(srv, 'alice', pa)
    uac = ctx.run('uac-alice', scenario, srv, pa, keys={'me': 'alice'}, service=robot)
    st.expect_status_line(uac, 'INVITE', code, 'SIP/2.0 %d %s' % (code, phrase))
    diary = st.stopped_diary(srv, 1)
    call = diary.calls[0]
    # at once, as a phone with do-not-disturb: no ringing
    st.expect_call(diary, call, ['calling', ('rejected', '%d %s' % (code, phrase))],
                   state=state, final_code=code, final_reason=phrase, orig_reason=phrase,
                   ended_by='callee', ring_time=0, answer_time=0, related_call_id=None,
                   **robot_fields(srv, uac, robot, call))


@test('sipp-robot-busy')
def t_busy(ctx):
    reject_test(ctx, 'busy', 486, 'Busy Here', 'uac_reject_486.xml', 'busy')


@test('sipp-robot-decline')
def t_decline(ctx):
    reject_test(ctx, 'decline', 603, 'Decline', 'uac_reject_603.xml', 'declined')


@test('sipp-robot-noanswer')
def t_noanswer(ctx):
    """noanswer rings until the caller cancels: 180, then 200 to CANCEL and 487."""
    srv = ctx.server()
    pa = ctx.port()
    ctx.register(srv, 'alice', pa)
    uac = ctx.run('uac-alice', 'uac_cancel.xml', srv, pa, keys={'me': 'alice'},
                  service='noanswer')
    diary = st.stopped_diary(srv, 1)
    call = diary.calls[0]
    st.expect_call(diary, call, ['calling', 'ringing', ('cancelled', '487 Request Terminated')],
                   state='cancelled', final_code=487, final_reason='Request Terminated',
                   orig_reason='Request Terminated', ended_by='caller', video=0,
                   related_call_id=None, **robot_fields(srv, uac, 'noanswer', call))


@test('sipp-robot-hold')
def t_hold(ctx):
    """hold answers, re-INVITEs a=sendonly after 5 s and a=sendrecv 5 s later (the
    scenario checks both offers); the diary has the hold and the resume."""
    srv = ctx.server()
    pa = ctx.port()
    ctx.register(srv, 'alice', pa)
    uac = ctx.run('uac-alice', 'uac_robot_hold.xml', srv, pa, keys={'me': 'alice'},
                  service='hold')
    answered_by_robot(uac, 'hold')
    reinvites = [m for m in uac.received() if m.method == 'INVITE']
    if len(reinvites) != 2 or [r.cseq[0] for r in reinvites] != ['2', '3']:
        fail('expected two re-INVITEs from the robot with CSeq 2 and 3, got %r'
             % [r.cseq for r in reinvites])
    for r in reinvites:
        # in the dialog: the robot's tag in From, ours in To, through the exchange
        if 'tag=' not in (r.header('to') or '') or not r.values('via'):
            fail('the robot\'s re-INVITE is not in the dialog', r)
    diary = st.stopped_diary(srv, 1)
    call = diary.calls[0]
    st.expect_call(diary, call, ['calling', 'ringing', 'started', 'hold', 'resume', 'ended'],
                   **dict(robot_fields(srv, uac, 'hold', call), **st.ANSWERED))


XFER_WAIT_MS = 3000        # alice's pause between her NOTIFYs, for the new call


def transfer_test(ctx, target):
    """transfer answers and after 3 s REFERs alice to target; alice NOTIFYs "100 Trying",
    calls target (a second sipp as alice), NOTIFYs "200 OK"; the robot then hangs up.
    The diary has the transfer on the first call and links the new call to it."""
    srv = ctx.server(['--transfer-to', target] if target != 'echo' else [])
    pa = ctx.port()
    ctx.register(srv, 'alice', pa)
    callee = None
    if target != 'echo':
        pt = ctx.port()
        ctx.register(srv, target, pt)
        callee = ctx.start('uas-' + target, 'uas_call.xml', pt, keys={'me': target})
    alice = ctx.start('uac-alice', 'uac_robot_transfer.xml', pa,
                      keys={'me': 'alice', 'target': target}, srv=srv, service='transfer',
                      extra=['-d', str(XFER_WAIT_MS)])
    try:
        srv.wait_stdout(r' TRANSFER RESULT 100 Trying$', 'the diary line of the NOTIFY "100 Trying"')
        new = ctx.run('uac-alice-xfer', 'uac_call.xml', srv, ctx.port(), keys={'me': 'alice'},
                      service=target)
        ctx.finish(alice)
        if callee is not None:
            ctx.finish(callee)
    except st.TestFailure:
        for s in (alice, callee):
            if s is not None:
                s.linger()
        raise
    refer = [m for m in alice.received() if m.method == 'REFER'][0]
    if not re.fullmatch(r'<sip:%s@%s>' % (target, re.escape(DOM)), refer.header('refer-to') or ''):
        fail('the robot\'s REFER should name %s' % target, refer)
    if not re.search(r'<sip:transfer@', refer.header('referred-by') or ''):
        fail('the robot\'s REFER has no Referred-By naming it', refer)
    bye = [m for m in alice.received() if m.method == 'BYE']
    if not bye:
        fail('the transfer robot did not hang up after the NOTIFY "200 OK"')

    diary = st.stopped_diary(srv, 2)
    orig_id, new_id = st.sent_call_id(alice), st.sent_call_id(new)
    orig, call = diary.call(orig_id), diary.call(new_id)
    st.expect_call(diary, orig,
                   ['calling', 'ringing', 'started', ('transfer', '%s@%s' % (target, DOM)),
                    ('transfer-result', '100 Trying'), ('transfer-result', '200 OK'), 'ended'],
                   **dict(robot_fields(srv, alice, 'transfer', orig),
                          **dict(st.ANSWERED, ended_by='callee',
                                 transfer_to='%s@%s' % (target, DOM), transfer_result='200 OK')))
    fields = (robot_fields(srv, new, 'echo', call) if callee is None
              else st.call_fields(new, callee, caller='alice', callee=target))
    st.expect_call(diary, call, st.ANSWERED_KINDS,
                   **dict(fields, **dict(st.ANSWERED, related_call_id=orig_id)))


@test('sipp-robot-transfer')
def t_transfer(ctx):
    """The transfer robot sends its callers to echo unless told otherwise."""
    transfer_test(ctx, 'echo')


@test('sipp-robot-transfer-to')
def t_transfer_to(ctx):
    """--transfer-to carol: the REFER names carol, a sipp phone, and alice calls her."""
    transfer_test(ctx, 'carol')


CONFERENCE_TALK_MS = 6000  # the caller stays 6 s: the robot calls echo after 3 s


@test('sipp-robot-conference')
def t_conference(ctx):
    """conference answers alice and after 3 s calls echo: one phone (the robot) in two
    calls, which the diary links; when alice hangs up, the robot hangs up on echo."""
    srv = ctx.server()
    pa = ctx.port()
    ctx.register(srv, 'alice', pa)
    uac = ctx.run('uac-alice', 'uac_call.xml', srv, pa, keys={'me': 'alice'},
                  service='conference', extra=['-d', str(CONFERENCE_TALK_MS)])
    answered_by_robot(uac, 'conference')
    srv.wait_stdout(r'CALL BETWEEN echo@\S+ AND conference@\S+ ENDED',
                    'the end of the robot\'s second call')
    diary = st.stopped_diary(srv, 2)
    first = diary.call(st.sent_call_id(uac))
    second = [c for c in diary.calls if c is not first][0]
    st.expect_call(diary, first, st.ANSWERED_KINDS, min_talk=CONFERENCE_TALK_MS / 1000,
                   **dict(robot_fields(srv, uac, 'conference', first), **st.ANSWERED))
    agent = second['caller_ua'] or ''
    st.expect_call(diary, second, st.ANSWERED_KINDS,
                   **dict(st.ANSWERED, caller='conference@' + DOM, callee='echo@' + DOM,
                          caller_addr='%s:%d (UDP)' % (IP, robot_port(srv, 'conference')),
                          callee_addr='%s:%d (UDP)' % (IP, robot_port(srv, 'echo')),
                          caller_ua=agent, callee_ua=second['callee_ua'], caller_name=None,
                          related_call_id=first['call_id']))
    if not (first['answer_time'] + 2.5e6 < second['start_time'] < first['end_time']
            and second['end_time'] >= first['end_time']):
        fail('the robot\'s second call (%d..%d) should start some 3 s into the first (%d..%d) '
             'and end with it' % (second['start_time'], second['end_time'],
                                  first['answer_time'], first['end_time']))


@test('sipp-robot-bad-sdp')
def t_bad_sdp(ctx):
    """An offer that is no session description gets 488 with a Warning, from echo as
    from any robot; the exchange relays it and the diary has a failed call."""
    srv = ctx.server()
    pa = ctx.port()
    ctx.register(srv, 'alice', pa)
    for label, body in (('uac-no-media', 'v=0'), ('uac-not-sdp', 'hello robot')):
        uac = ctx.run(label, 'uac_robot_bad_sdp.xml', srv, pa, keys={'me': 'alice', 'body': body},
                      service='echo')
        st.expect_status_line(uac, 'INVITE', 488, 'SIP/2.0 488 Not Acceptable Here')
    diary = st.stopped_diary(srv, 2)
    for call in diary.calls:
        st.expect_call(diary, call, ['calling', ('rejected', '488 Not Acceptable Here')],
                       state='failed', final_code=488, ended_by='callee', answer_time=0)


@test('sipp-robots-off')
def t_robots_off(ctx):
    """--no-robots: nobody answers as echo (404); --robots busy: only busy does."""
    srv = ctx.server(['--no-robots'])
    if any('Robot phones' in line for line in srv.out_lines):
        fail('--no-robots still prints the robots')
    pa = ctx.port()
    ctx.register(srv, 'alice', pa)
    ctx.run('uac-echo', 'uac_reject_404.xml', srv, pa, keys={'me': 'alice'}, service='echo')
    srv.stop()
    srv2 = ctx.server(['--robots', 'busy'])
    srv2.wait_stdout(r'^Robot phones: busy$', 'the robots line')
    ctx.register(srv2, 'alice', pa, label='reg-alice-2')
    ctx.run('uac-echo-2', 'uac_reject_404.xml', srv2, pa, keys={'me': 'alice'}, service='echo')
    ctx.run('uac-busy', 'uac_reject_486.xml', srv2, pa, keys={'me': 'alice'}, service='busy')


@test('sipp-robots-leave')
def t_robots_leave(ctx):
    """The robots unregister when the exchange stops: started again without them on the
    same data folder, the exchange has no stale robot to send a call to."""
    data = ctx.data_dir()
    srv = ctx.server(data_dir=data)
    robot_port(srv, 'echo')
    srv.stop()
    if not any(re.search(r'REGISTER echo from 127\.0\.0\.1:\d+: 0 binding', line)
               for line in srv.out_lines):
        fail('the echo robot did not unregister when the exchange stopped')
    srv2 = ctx.server(['--no-robots'], data_dir=data)
    pa = ctx.port()
    ctx.register(srv2, 'alice', pa)
    uac = ctx.run('uac-echo', 'uac_reject_480.xml', srv2, pa, keys={'me': 'alice'},
                  service='echo')
    st.expect_status_line(uac, 'INVITE', 480, st.last_response(uac, 'INVITE', 480).first_line)


# --------------------------------------------------------------------------
# RTP: a phone written out by hand

class MiniPhone:
    """A UDP phone for what sipp cannot check here: the RTP a robot sends back."""

    def __init__(self, srv, user, host=IP, reach=IP):
        self.srv = srv
        self.reach = reach
        self.user = user
        self.host = host
        self.sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sip.bind((host, 0))
        self.port = self.sip.getsockname()[1]
        self.tag = '%08x' % random.getrandbits(32)
        self.cseq = 0
        self.log = []
        self.call = None

    def close(self):
        self.sip.close()

    def send(self, text):
        self.log.append('>>> ' + text)
        self.sip.sendto(text.encode(), (self.reach, self.srv.port))

    def receive(self, timeout=5.0):
        self.sip.settimeout(timeout)
        try:
            data, _ = self.sip.recvfrom(65535)
        except socket.timeout:
            return None
        text = data.decode('utf-8', 'replace')
        self.log.append('<<< ' + text)
        return st.SipMsg('recv', text)

    def expect(self, what, pred, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self.receive(max(0.05, deadline - time.monotonic()))
            if msg is not None and pred(msg):
                return msg
        fail('%s: no %s within %.0f s; it got:\n%s' % (self.user, what, timeout,
                                                         '\n'.join(self.log[-6:])))

    def head(self, method, uri, branch=None):
        return ('%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=%s;rport\r\nMax-Forwards: 70\r\n'
                % (method, uri, self.host, self.port,
                   branch or 'z9hG4bK%08x' % random.getrandbits(32)))

    def register(self):
        self.cseq += 1
        self.send(self.head('REGISTER', 'sip:%s' % DOM)
                  + 'From: <sip:%s@%s>;tag=%s\r\nTo: <sip:%s@%s>\r\nCall-ID: reg-%s\r\n'
                    'CSeq: %d REGISTER\r\nContact: <sip:%s@%s:%d>\r\nExpires: 600\r\n'
                    'Content-Length: 0\r\n\r\n'
                  % (self.user, DOM, self.tag, self.user, DOM, self.tag, self.cseq,
                     self.user, self.host, self.port))
        self.expect('200 to REGISTER', lambda m: m.status == 200 and m.cseq[1] == 'REGISTER')

    def invite(self, callee, sdp):
        """INVITE; returns the 2xx after ACKing it (fails on anything else final)."""
        self.call_id = 'rtp-%08x@%s' % (random.getrandbits(32), self.host)
        self.callee = callee
        self.cseq = 1
        self.send(self.head('INVITE', 'sip:%s@%s' % (callee, DOM))
                  + 'From: <sip:%s@%s>;tag=%s\r\nTo: <sip:%s@%s>\r\nCall-ID: %s\r\n'
                    'CSeq: 1 INVITE\r\nContact: <sip:%s@%s:%d>\r\n'
                    'Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s'
                  % (self.user, DOM, self.tag, callee, DOM, self.call_id, self.user, self.host,
                     self.port, len(sdp), sdp))
        final = self.expect('final response to INVITE',
                            lambda m: m.is_response and m.cseq[1] == 'INVITE' and m.status >= 200)
        if final.status != 200:
            fail('%s: INVITE to %s got %s' % (self.user, callee, final.first_line), final)
        self.to = final.header('to')
        self.routes = list(reversed(final.values('record-route')))
        self.target = st.parse_contact(final.header('contact'))[0]
        self.in_dialog('ACK', 1)
        return final

    def in_dialog(self, method, cseq):
        routes = ''.join('Route: %s\r\n' % r for r in self.routes)
        self.send(self.head(method, self.target) + routes
                  + 'From: <sip:%s@%s>;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n'
                    'Content-Length: 0\r\n\r\n'
                  % (self.user, DOM, self.tag, self.to, self.call_id, cseq, method))

    def bye(self):
        self.in_dialog('BYE', 2)
        self.expect('200 to BYE', lambda m: m.status == 200 and m.cseq[1] == 'BYE')

    def answer(self, request, code=200, reason='OK'):
        lines = ['SIP/2.0 %d %s' % (code, reason)]
        for name in ('via', 'from', 'to', 'call-id', 'cseq'):
            for value in ([request.header(name)] if name != 'via' else request.values('via')):
                lines.append('%s: %s' % (name.title().replace('Id', 'ID'), value))
        self.send('\r\n'.join(lines) + '\r\nContent-Length: 0\r\n\r\n')


def sdp_offer(host, audio_port, video_port=None):
    sdp = ('v=0\r\no=alice 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n'
           'm=audio %d RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\n'
           % (host, host, audio_port))
    if video_port is not None:
        sdp += ('m=video %d RTP/AVP 96 97 98\r\na=rtpmap:96 H264/90000\r\n'
                'a=fmtp:96 profile-level-id=42801F\r\na=rtpmap:97 VP8/90000\r\n'
                'a=rtpmap:98 AV1/90000\r\n' % video_port)
    return sdp + 'm=application 9 UDP/BFCP *\r\n'


def answered_media(ok):
    """{kind: (address, port, formats)} of an SDP answer."""
    body = ok.text.split('\r\n\r\n', 1)[1]
    session = re.search(r'^c=IN IP4 (\S+)', body, re.M)
    media = {}
    for section in re.split(r'(?m)^(?=m=)', body)[1:]:
        m = re.match(r'm=(\w+) (\d+) \S+ (.*)', section)
        c = re.search(r'^c=IN IP4 (\S+)', section, re.M)
        media[m.group(1)] = ((c or session).group(1), int(m.group(2)), m.group(3).split())
    return media


def udp(host=IP):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, 0))
    return s


def rtp(seq, ssrc, payload_type, payload):
    return struct.pack('!BBHII', 0x80, payload_type, seq, seq * 160, ssrc) + payload


def expect_echo(sender, robot, packets, payload_type, what):
    """Sends RTP to the robot from @sender; every packet must come back to @sender,
    from the robot's port, same sequence and payload, the robot's SSRC."""
    ssrc = random.getrandbits(32)
    sender.settimeout(2.0)
    back_ssrc = None
    for seq in range(packets):
        payload = bytes([seq % 256]) * 160
        sender.sendto(rtp(seq, ssrc, payload_type, payload), robot)
        try:
            data, source = sender.recvfrom(2048)
        except socket.timeout:
            fail('%s: RTP packet %d did not come back to %s:%d within 2 s'
                 % (what, seq, *sender.getsockname()))
        if source != robot:
            fail('%s: the echo came from %s:%d, not from the port the answer named (%s:%d)'
                 % (what, source[0], source[1], robot[0], robot[1]))
        v, pt, rseq, _ts, rssrc = struct.unpack('!BBHII', data[:12])
        if (v, pt & 0x7f, rseq, data[12:]) != (0x80, payload_type, seq, payload):
            fail('%s: packet %d came back changed: %r' % (what, seq, data[:16]))
        if rssrc == ssrc:
            fail('%s: the echo kept the phone\'s own SSRC %08x (a phone takes that for a loop)'
                 % (what, ssrc))
        if back_ssrc not in (None, rssrc):
            fail('%s: the echo\'s SSRC changed from %08x to %08x' % (what, back_ssrc, rssrc))
        back_ssrc = rssrc


def nothing_arrives(sock, what, seconds=0.5):
    sock.settimeout(seconds)
    try:
        data, source = sock.recvfrom(2048)
    except socket.timeout:
        return
    fail('%s: got %d bytes from %s:%d' % (what, len(data), *source))


@test('sipp-robot-echo-rtp')
def t_echo_rtp(ctx):
    """alice offers audio (PCMA, PCMU, DTMF) and video (H.264, VP8, AV1) on ports she
    announces, but sends from other ports (as behind a NAT): echo answers PCMA/PCMU and
    H.264/VP8, and sends every RTP packet back where it came from, from the ports of its
    answer, with its own SSRC; nothing goes to the announced ports.  After BYE its
    sockets are closed."""
    srv = ctx.server()
    alice = MiniPhone(srv, 'alice')
    announced_audio, announced_video, audio, video = udp(), udp(), udp(), udp()
    try:
        alice.register()
        ok = alice.invite('echo', sdp_offer(IP, announced_audio.getsockname()[1],
                                            announced_video.getsockname()[1]))
        media = answered_media(ok)
        if media['audio'][2] != ['8', '0', '101'] or media['audio'][1] == 0:
            fail('echo answered audio %r, expected PCMA, PCMU and DTMF on a port' % (media['audio'],), ok)
        if media['video'][2] != ['96', '97'] or media['video'][1] == 0:
            fail('echo answered video %r, expected H.264 and VP8 on a port' % (media['video'],), ok)
        if media['application'][1] != 0:
            fail('echo should refuse the BFCP stream (port 0)', ok)
        if 'a=fmtp:96 profile-level-id=42801F' not in ok.text:
            fail('echo did not keep the H.264 parameters of the offer', ok)
        robot_audio = media['audio'][:2]
        robot_video = media['video'][:2]
        expect_echo(audio, robot_audio, 50, 8, 'audio')
        expect_echo(video, robot_video, 20, 96, 'video')
        nothing_arrives(announced_audio, 'the announced audio port')
        nothing_arrives(announced_video, 'the announced video port')

        alice.bye()
        audio.sendto(rtp(1, 1, 8, b'x' * 160), robot_audio)
        nothing_arrives(audio, 'RTP sent to echo after the BYE')
    finally:
        for s in (announced_audio, announced_video, audio, video):
            s.close()
        alice.close()
    diary = st.stopped_diary(srv, 1)
    call = diary.calls[0]
    st.expect_call(diary, call, st.ANSWERED_KINDS, **dict(
        st.ANSWERED, video=1, video_now=1, call_id=alice.call_id, caller='alice@' + DOM,
        callee='echo@' + DOM, callee_addr='%s:%d (UDP)' % (IP, robot_port(srv, 'echo'))))


@test('sipp-robot-echo-idle')
def t_echo_idle(ctx):
    """An echo that hears nothing hangs up: 120·T1 without RTP (3 s with --timer-t1 25,
    60 s by default), then BYE."""
    srv = ctx.server(['--timer-t1', '25'])
    alice = MiniPhone(srv, 'alice')
    try:
        alice.register()
        started = time.monotonic()
        alice.invite('echo', sdp_offer(IP, 40000))
        bye = alice.expect('BYE from echo', lambda m: m.method == 'BYE', timeout=10)
        waited = time.monotonic() - started
        alice.answer(bye)
        if not 2.5 <= waited <= 8:
            fail('echo hung up after %.1f s without RTP, expected about 3 s' % waited)
    finally:
        alice.close()
    diary = st.stopped_diary(srv, 1)
    call = diary.calls[0]
    st.expect_call(diary, call, st.ANSWERED_KINDS, **dict(
        st.ANSWERED, ended_by='callee', call_id=alice.call_id, caller='alice@' + DOM,
        callee='echo@' + DOM))


@test('sipp-robot-echo-all-addresses')
def t_echo_all_addresses(ctx):
    """On all addresses, a phone on 127.0.0.3 calls echo: the robot's answer names the
    address toward the phone and its echo arrives from there."""
    srv = ctx.server(listen='0.0.0.0', reach='127.0.0.3')
    alice = MiniPhone(srv, 'alice', host='127.0.0.3', reach='127.0.0.3')
    audio = udp('127.0.0.3')
    try:
        alice.register()
        ok = alice.invite('echo', sdp_offer('127.0.0.3', 40000))
        robot_audio = answered_media(ok)['audio'][:2]
        expect_echo(audio, robot_audio, 10, 8, 'audio on all addresses')
        alice.bye()
    finally:
        audio.close()
        alice.close()


# --------------------------------------------------------------------------
# runner (the same as sipp_tests.py's, over this file's tests)

def main():
    ap = argparse.ArgumentParser(description='robot phone tests for ustredna-server')
    ap.add_argument('--server', help='path to the ustredna-server executable')
    ap.add_argument('--sipp', help='path to sipp (default: found in PATH)')
    ap.add_argument('--list', action='store_true', help='print the test names and exit')
    ap.add_argument('--keep', action='store_true', help='keep the logs of passing tests too')
    ap.add_argument('tests', nargs='*', metavar='TESTNAME')
    args = ap.parse_args()

    names = [n for n, _ in ROBOT_TESTS]
    if args.list:
        print('\n'.join(names))
        return st.EXIT_PASS
    if not args.tests:
        ap.error('name a test (see --list)')
    unknown = [n for n in args.tests if n not in names]
    if unknown:
        ap.error('unknown test(s): %s (see --list)' % ', '.join(unknown))
    args.sipp = args.sipp or shutil.which('sipp')
    if not args.sipp or not os.access(args.sipp, os.X_OK):
        return st.skip_or_fail('sipp is not installed (not found in PATH); cannot run %s'
                               % ', '.join(args.tests))
    if not args.server:
        ap.error('--server is required')
    args.server = os.path.abspath(args.server)

    table = dict(ROBOT_TESTS)
    ok = True
    for n in args.tests:
        ok = st.run_one(n, table[n], args) and ok
    return st.EXIT_PASS if ok else st.EXIT_FAIL


if __name__ == '__main__':
    sys.exit(main())
