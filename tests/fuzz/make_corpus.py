#!/usr/bin/env python3
"""Writes the seed corpus of the ZMTP decoder fuzz target (tests/fuzz/corpus/zmtp_decoder/).

Each file is [limits][split seed][stream]; see zmtp_decoder_fuzz.hpp. Streams follow the byte
dumps of zmtp.md (a libzmq 4.3 peer's greeting, READY and commands). Run it from anywhere:
    python3 tests/fuzz/make_corpus.py [output dir]
Reproducers found by fuzzing are added as files of their own (crash-*), not generated here.
"""

import pathlib
import struct
import sys

# limits byte: bits 0-1 pick max_frame_size (0 none, 1 -> 32, 2 -> 255, 3 -> 4096), bit 2 rejects
# reserved flag bits.
NO_LIMIT, MAX_32, MAX_255, MAX_4096, RESERVED = 0, 1, 2, 3, 4


def greeting(minor=1, mechanism=b"NULL", identity_len=0, major=3):
    """libzmq's greeting: padding = identity length + 1, version, mechanism, as-server 0."""
    return (b"\xff" + struct.pack(">Q", identity_len + 1) + b"\x7f" + bytes([major, minor]) +
            mechanism.ljust(20, b"\0") + b"\0" + b"\0" * 31)


def frame(body, more=False, command=False, long_form=None):
    flags = (1 if more else 0) | (4 if command else 0)
    if long_form is None:
        long_form = len(body) > 255
    if long_form:
        return bytes([flags | 2]) + struct.pack(">Q", len(body)) + body
    return bytes([flags, len(body)]) + body


def command(name, data=b""):
    return frame(bytes([len(name)]) + name + data, command=True)


def prop(name, value):
    return bytes([len(name)]) + name + struct.pack(">I", len(value)) + value


def ready(socket_type, identity=None):
    data = prop(b"Socket-Type", socket_type)
    if identity is not None:
        data += prop(b"Identity", identity)
    return command(b"READY", data)


def ping(ttl=0, context=b""):
    return command(b"PING", struct.pack(">H", ttl) + context)


def entry(stream, limits=NO_LIMIT, seed=0):
    return bytes([limits, seed]) + stream


def corpus():
    dealer_open = greeting() + ready(b"DEALER", b"")
    router_open = greeting(identity_len=6) + ready(b"ROUTER", b"peer-1")
    return {
        # zmtp.md: the libzmq DEALER greeting and its 43-byte READY, byte for byte.
        "dealer_greeting_ready": entry(dealer_open),
        "router_ready_identity": entry(router_open + frame(b"hello"), seed=1),
        "short_frames": entry(dealer_open + frame(b"A") + frame(b"") + frame(b"x" * 32) +
                              frame(b"y" * 33) + frame(b"z" * 255), seed=2),
        # Long form above 255 bytes, and for a 1-byte body (accepted, as libzmq does).
        "long_frames": entry(dealer_open + frame(b"L" * 300) + frame(b"C", long_form=True) +
                             frame(b"M" * 1000, more=True) + frame(b"end"), seed=3),
        # A REQ-style envelope: identity, empty delimiter, body.
        "multipart": entry(router_open + frame(b"id", more=True) + frame(b"", more=True) +
                           frame(b"request body", more=True) + frame(b"last")),
        # PING ttl 3 s with context "CX", one with 20 context bytes (echo truncated to 16), PONG,
        # an unknown command (dropped) and six PINGs in a row (more than the PONG room holds).
        "ping_context": entry(dealer_open + ping(30, b"CX") + ping(0, b"0123456789abcdefghij") +
                              command(b"PONG") + command(b"HELLO") + frame(b"after")),
        "ping_burst": entry(dealer_open + ping(0, b"p" * 16) * 6 + frame(b"x"), seed=5),
        # A SUB peer: 3.1 SUBSCRIBE / CANCEL "AB" and the 3.0 message form.
        "subscribe": entry(greeting() + ready(b"SUB") + command(b"SUBSCRIBE", b"AB") +
                           command(b"CANCEL", b"AB") + frame(b"\x01AB") + frame(b"\x00AB"), seed=6),
        # ZAP refusal "400" after the greeting, instead of READY.
        "error": entry(greeting() + command(b"ERROR", b"\x03400")),
        "garbage_greeting": entry(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        # libzmq <= 4.3.2 and JeroMQ announce 3.0.
        "zmtp30_greeting": entry(greeting(minor=0) + ready(b"PUSH") + frame(b"work")),
        "zmtp20_greeting": entry(greeting(major=1, minor=0)),
        "plain_mechanism": entry(greeting(mechanism=b"PLAIN")),
        "truncated_greeting": entry(greeting()[:20]),
        "truncated_ready": entry(dealer_open[:80], seed=7),
        # A 70 000-byte frame (an oversized pool buffer) of which 10 bytes arrive.
        "truncated_long_frame": entry(dealer_open + b"\x02" + struct.pack(">Q", 70000) + b"0123456789"),
        # Bare frames (no greeting): the frame_decoder runs read them as they are.
        "frames_only": entry(frame(b"AB", more=True) + frame(b"C", long_form=True) + ping() +
                             frame(b"B" * 40) + b"\x04\x00", seed=9),
        "max_frame_size": entry(dealer_open + frame(b"x" * 32) + frame(b"y" * 33), limits=MAX_32),
        "reserved_flags": entry(b"\x08\x01a\x00\x00", limits=RESERVED | MAX_255),
        "size_top_bit": entry(b"\x02\x80\x00\x00\x00\x00\x00\x00\x01", limits=MAX_4096),
        # Regression (found by the fuzzer): a PING then a bad frame (COMMAND with MORE) in one
        # read left the PING's body in `out` with the error; byte by byte it did not.
        "ping_then_bad_frame": entry(dealer_open + ping(30, b"CX") + b"\x05\x00"),
    }


def main():
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else (
        pathlib.Path(__file__).resolve().parent / "corpus" / "zmtp_decoder")
    out.mkdir(parents=True, exist_ok=True)
    for name, data in corpus().items():
        (out / name).write_bytes(data)
    print(f"make_corpus.py: wrote {len(corpus())} files to {out}")


if __name__ == "__main__":
    main()
