#!/usr/bin/env python3
"""End-to-end checks of shardmq-cat over 127.0.0.1: against itself and against libzmq peers
(pyzmq). One case per run: cat_end_to_end.py --cat PATH CASE. Exits 0 on success, 1 on failure,
77 (ctest's skip code) when a pyzmq case runs on a Python without zmq. Every process and socket
it starts it also stops, each within a few seconds."""

import argparse
import os
import re
import select
import subprocess
import sys
import time

SKIP = 77
DEADLINE = 8.0  # seconds for any one process; ctest's own timeout is above it


class check_failed(Exception):
    pass


def expect(condition, what):
    if not condition:
        raise check_failed(what)


class cat_process:
    """shardmq-cat started with `args`; `bound()` waits for the endpoint it logged."""

    def __init__(self, cat, args, stdin_text=None):
        self.args = [cat] + args
        self.proc = subprocess.Popen(self.args, stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if stdin_text is not None:
            # Short texts: the pipe holds them whole, so this does not wait for the reader.
            self.proc.stdin.write(stdin_text.encode())
            self.proc.stdin.close()
            self.proc.stdin = None
        self.stderr_head = b""

    def bound(self):
        """The first endpoint from 'shardmq-cat: bound tcp://127.0.0.1:PORT' on stderr."""
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            match = re.search(rb"bound (\S+)", self.stderr_head)
            if match:
                return match.group(1).decode()
            ready, _, _ = select.select([self.proc.stderr], [], [], 0.1)
            if ready:
                chunk = os.read(self.proc.stderr.fileno(), 4096)
                if not chunk:
                    break
                self.stderr_head += chunk
        self.kill()
        raise check_failed("no 'bound' line from %s; stderr:\n%s" % (" ".join(self.args), self.stderr_head.decode()))

    def finish(self):
        """Waits for the exit; returns (status, stdout, stderr)."""
        try:
            out, err = self.proc.communicate(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.kill()
            out, err = self.proc.communicate()
            raise check_failed("%s did not end within %.0f s; stderr:\n%s" %
                               (" ".join(self.args), DEADLINE, (self.stderr_head + err).decode()))
        return self.proc.returncode, out.decode(), (self.stderr_head + err).decode()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def run_cat(cat, args, stdin_text=None):
    return cat_process(cat, args, stdin_text).finish()


def expect_success(name, result):
    status, out, err = result
    expect(status == 0, "%s exited with %s\nstdout:\n%s\nstderr:\n%s" % (name, status, out[-2000:], err))


def import_zmq():
    try:
        import zmq  # noqa: F401 (Debian's python3-zmq; scripts/install-deps installs it)
        return zmq
    except ImportError:
        print("SKIP: %s has no zmq module (install python3-zmq: scripts/install-deps)" % sys.executable)
        sys.exit(SKIP)


def pyzmq_socket(zmq, context, kind):
    s = context.socket(kind)
    s.linger = 1000
    s.rcvtimeo = int(DEADLINE * 1000)
    s.sndtimeo = int(DEADLINE * 1000)
    return s


# --- the cases ----------------------------------------------------------------------------------

def case_cat_push_to_cat_pull(cat):
    """Generated messages from one shardmq-cat to another; the puller stops at --count."""
    pull = cat_process(cat, ["--type", "pull", "--bind", "tcp://127.0.0.1:*", "--count", "2000", "--format", "len"])
    try:
        endpoint = pull.bound()
        push = run_cat(cat, ["--type", "push", "--connect", endpoint, "--generate", "2000", "--size", "100"])
        expect_success("push", push)
        expect("sent 2000 messages, 200000 bytes" in push[2], "push summary:\n" + push[2])
        result = pull.finish()
    finally:
        pull.kill()
    expect_success("pull", result)
    lines = result[1].splitlines()
    expect(lines == ["100"] * 2000, "pull printed %d lines, first %r" % (len(lines), lines[:3]))
    expect("received 2000 messages, 200000 bytes" in result[2], "pull summary:\n" + result[2])


def case_cat_lines_multipart(cat):
    """stdin lines, split into frames, between two shardmq-cats (PAIR), printed with the separator."""
    receiver = cat_process(cat, ["--type", "pair", "--bind", "tcp://127.0.0.1:*", "--count", "3", "--separator", ","])
    try:
        endpoint = receiver.bound()
        sender = run_cat(cat, ["--type", "pair", "--connect", endpoint, "--multipart", "--separator", ","],
                         stdin_text="one\ntwo,frames\n,empty first,\n")
        expect_success("sender", sender)
        result = receiver.finish()
    finally:
        receiver.kill()
    expect_success("receiver", result)
    expect(result[1] == "one\ntwo,frames\n,empty first,\n", "receiver printed %r" % result[1])


def case_cat_push_before_its_peer_binds(cat):
    """At the end of its input a PUSH whose peer is not up yet waits for it (linger -1) and
    delivers: the socket drops what is queued for a peer still connecting when it closes."""
    import socket
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # free again for the PULL below
    push = cat_process(cat, ["--type", "push", "--connect", "tcp://127.0.0.1:%d" % port], stdin_text="a\nb\nc\n")
    try:
        time.sleep(0.5)  # the PUSH has read its input and is retrying the connection
        expect(push.proc.poll() is None, "the push exited before its peer was up")
        result = run_cat(cat, ["--type", "pull", "--bind", "tcp://127.0.0.1:%d" % port, "--count", "3"])
        pushed = push.finish()
    finally:
        push.kill()
    expect_success("pull", result)
    expect_success("push", pushed)
    expect(result[1] == "a\nb\nc\n", "pull printed %r" % result[1])


def case_pyzmq_push_to_cat_pull(cat):
    zmq = import_zmq()
    pull = cat_process(cat, ["--type", "pull", "--bind", "tcp://127.0.0.1:*", "--count", "100"])
    context = zmq.Context()
    try:
        endpoint = pull.bound()
        push = pyzmq_socket(zmq, context, zmq.PUSH)
        push.connect(endpoint)
        for i in range(99):
            push.send(b"message %d" % i)
        push.send_multipart([b"last", b"", b"frames"])
        result = pull.finish()
        push.close()
    finally:
        pull.kill()
        context.term()
    expect_success("pull", result)
    expected = "".join("message %d\n" % i for i in range(99)) + "last||frames\n"
    expect(result[1] == expected, "pull printed %r" % result[1][-200:])


def case_cat_req_to_pyzmq_rep(cat):
    zmq = import_zmq()
    context = zmq.Context()
    rep = pyzmq_socket(zmq, context, zmq.REP)
    port = rep.bind_to_random_port("tcp://127.0.0.1")
    req = cat_process(cat, ["--type", "req", "--connect", "tcp://127.0.0.1:%d" % port],
                      stdin_text="hello\nworld\nthree\n")
    try:
        for _ in range(3):
            rep.send(rep.recv().upper())
        result = req.finish()
    finally:
        req.kill()
        rep.close()
        context.term()
    expect_success("req", result)
    expect(result[1] == "HELLO\nWORLD\nTHREE\n", "req printed %r" % result[1])
    expect("round trips: 3, p50" in result[2], "req summary:\n" + result[2])


def case_pyzmq_req_to_cat_rep(cat):
    """A REP answers each request with the next stdin line and ends with its input."""
    zmq = import_zmq()
    rep = cat_process(cat, ["--type", "rep", "--bind", "tcp://127.0.0.1:*"], stdin_text="first answer\nsecond\n")
    context = zmq.Context()
    try:
        endpoint = rep.bound()
        req = pyzmq_socket(zmq, context, zmq.REQ)
        req.connect(endpoint)
        replies = []
        for question in (b"q1", b"q2"):
            req.send(question)
            replies.append(req.recv())
        result = rep.finish()
        req.close()
    finally:
        rep.kill()
        context.term()
    expect(replies == [b"first answer", b"second"], "req got %r" % replies)
    expect_success("rep", result)
    expect(result[1] == "q1\nq2\n", "rep printed %r" % result[1])


def case_pyzmq_dealer_to_cat_router_echo(cat):
    zmq = import_zmq()
    router = cat_process(cat, ["--type", "router", "--bind", "tcp://127.0.0.1:*", "--echo", "--count", "3"])
    context = zmq.Context()
    try:
        endpoint = router.bound()
        dealer = pyzmq_socket(zmq, context, zmq.DEALER)
        dealer.routing_id = b"py"
        dealer.connect(endpoint)
        sent = [[b"ping"], [b"two", b"frames"], [b"x" * 5000]]
        for parts in sent:
            dealer.send_multipart(parts)
        echoed = [dealer.recv_multipart() for _ in sent]
        result = router.finish()
        dealer.close()
    finally:
        router.kill()
        context.term()
    expect(echoed == sent, "dealer got back %r" % [[p[:20] for p in m] for m in echoed])
    expect_success("router", result)
    lines = result[1].splitlines()
    expect(lines[:2] == ["0x7079|ping", "0x7079|two|frames"] and lines[2] == "0x7079|" + "x" * 5000,
           "router printed %r" % [line[:40] for line in lines])


def case_timeout_without_peer(cat):
    """--timeout ends a run that waits for messages that never come, with status 1."""
    started = time.monotonic()
    status, out, err = run_cat(cat, ["--type", "pull", "--connect", "tcp://127.0.0.1:9", "--count", "1",
                                     "--timeout", "300"])
    expect(status == 1, "status %s, stderr:\n%s" % (status, err))
    expect("timed out" in err, "stderr:\n" + err)
    expect(time.monotonic() - started < 5, "took %.1f s" % (time.monotonic() - started))


CASES = {name[len("case_"):]: f for name, f in globals().items() if name.startswith("case_")}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cat", required=True, help="path of the shardmq-cat binary")
    parser.add_argument("case", choices=sorted(CASES), help="the check to run")
    args = parser.parse_args()
    try:
        CASES[args.case](args.cat)
    except check_failed as failure:
        print("FAILED %s: %s" % (args.case, failure))
        return 1
    print("ok %s" % args.case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
