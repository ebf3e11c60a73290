#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write the fuzz targets' seed corpus, tests/fuzz/corpus/<target>/<name>.

Small inputs that reach every branch of the decoders: a valid message of
every kind, and one for each way of being wrong.  The wire format is
doc/PROTOCOL.md's, in this machine's byte order (as msgqd's).  Run it again
after a protocol change; inputs that once crashed are added by hand (see
.ci/fuzz) and are not touched here.
"""
import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
MAGIC = b"MQ\x00\x01"
OPS = {"ping": 1, "led-on": 2, "led-off": 3, "led-toggle": 4, "led-state": 5,
       "led-blink": 6, "send": 7, "stats": 8, "exit": 9, "led-watch": 10,
       "line-set": 11, "line-list": 12, "line-watch": 13}


def request(op, pid=4242, token=0x1122334455667788, deadline=10**18, flags=0,
            arg0=0, arg1=0, text=b"", text_len=None, reserved=0, magic=MAGIC):
    if text_len is None:
        text_len = len(text)
    return magic + struct.pack("=IQQHHIIHH", pid, token, deadline, op, flags, arg0,
                               arg1, text_len, reserved) + text


def reply(op, status=0, token=7, expires=10**18, payload=b"", payload_len=None,
          daemon_pid=4242, magic=MAGIC):
    if payload_len is None:
        payload_len = len(payload)
    return magic + struct.pack("=IQQHHIQ", status, token, expires, op, payload_len,
                               daemon_pid, 0) + payload


def led(on=1, blinking=0, period=0, remaining=0):
    return struct.pack("=BBHII", on, blinking, 0, period, remaining)


def stats():
    figures = [123456, 2, 1, 3, 4, 5, 6, (1 << 32) | 4242] + list(range(10))
    return led() + struct.pack("=18Q", *figures)


def requests():
    c = {}
    for name, op in OPS.items():
        if op == OPS["led-blink"]:
            c[name] = request(op, arg0=500, arg1=3)
        elif op == OPS["line-set"]:
            c[name] = request(op, text=struct.pack("=HBBHBB", 0, 1, 0, 5, 0, 0))
        elif op == OPS["send"]:
            c[name] = request(op, text=b"sensor 3 over threshold")
        else:
            c[name] = request(op)
    c["no-reply"] = request(OPS["led-on"], flags=1)
    c["blink-min"] = request(OPS["led-blink"], arg0=20)
    c["blink-max"] = request(OPS["led-blink"], arg0=3600000, arg1=1000000)
    c["blink-too-fast"] = request(OPS["led-blink"], arg0=19)
    c["blink-too-many"] = request(OPS["led-blink"], arg0=500, arg1=1000001)
    c["send-longest"] = request(OPS["send"], text=b"y" * 256)
    c["send-utf8"] = request(OPS["send"], text="h\u00e9llo".encode())
    c["send-control"] = request(OPS["send"], text=b"tab\there")
    c["send-empty"] = request(OPS["send"])
    c["text-not-send"] = request(OPS["ping"], text=b"x")
    c["text-len-short"] = request(OPS["send"], text=b"hello", text_len=4)
    c["text-len-long"] = request(OPS["send"], text=b"hello", text_len=300)
    c["args-not-blink"] = request(OPS["led-on"], arg0=1)
    c["op-zero"] = request(0)
    c["op-unknown"] = request(10)
    c["op-max"] = request(0xffff)
    c["flags-unknown"] = request(OPS["ping"], flags=2)
    c["reserved"] = request(OPS["ping"], reserved=1)
    c["pid-zero"] = request(OPS["ping"], pid=0)
    c["pid-one"] = request(OPS["ping"], pid=1)
    c["pid-max"] = request(OPS["ping"], pid=4194304)
    c["pid-too-big"] = request(OPS["ping"], pid=4194305)
    c["deadline-zero"] = request(OPS["ping"], deadline=0)
    c["deadline-max"] = request(OPS["ping"], deadline=2**64 - 1)
    c["version-2"] = request(OPS["ping"], magic=b"MQ\x00\x02")
    c["magic-only"] = MAGIC[:3]
    c["address-only"] = request(OPS["ping"])[:16]
    c["header-short"] = request(OPS["ping"])[:39]
    c["too-large"] = request(OPS["send"], text=b"z" * 257)
    c["buffer-plus-one"] = request(OPS["send"], text=b"z" * 257, text_len=257) + b"z" * 216
    c["line-on"] = request(OPS["led-on"], reserved=5)
    c["line-all-not-watch"] = request(OPS["led-state"], reserved=0xffff)
    c["line-watch-all"] = request(OPS["line-watch"], reserved=0xffff, arg0=5, arg1=1)
    c["line-list-from"] = request(OPS["line-list"], arg0=63)
    c["line-list-past"] = request(OPS["line-list"], arg0=64)
    c["line-set-twice"] = request(OPS["line-set"], text=struct.pack("=HBBHBB", 3, 1, 0, 3, 0, 0))
    c["line-set-value-2"] = request(OPS["line-set"], text=struct.pack("=HBB", 3, 2, 0))
    c["line-set-cut"] = request(OPS["line-set"], text=struct.pack("=HBB", 3, 1, 0)[:3])
    c["line-set-64"] = request(OPS["line-set"], text=b"".join(struct.pack("=HBB", i, i % 2, 0)
                                                          for i in range(64)))
    c["empty"] = b""
    return c


def texts():
    words = [b"ON", b"off", b"Toggle", b"STATE", b"ping", b"STATS", b"exit",
             b"BLINK 500", b"blink 20 1000000", b"BLINK 3600000 0"]
    c = {}
    for i, w in enumerate(words):
        c["cmd-%d" % i] = w
        c["cmd-%d-pid" % i] = w + b" pid=4242"
    c["nul"] = b"ON\x00"
    c["newline"] = b"TOGGLE pid=1\n"
    c["newline-nul"] = b"STATE pid=4194304\n\x00"
    c["spaces"] = b"   blink    500   3   pid=77  "
    c["pid-zero"] = b"ON pid=0"
    c["pid-too-big"] = b"ON pid=4194305"
    c["pid-only"] = b"pid=5"
    c["pid-not-last"] = b"pid=5 ON"
    c["pid-empty"] = b"ON pid="
    c["pid-junk"] = b"ON pid=12x"
    c["too-many-words"] = b"BLINK 500 3 4 5 pid=6"
    c["blink-no-period"] = b"BLINK"
    c["blink-too-fast"] = b"BLINK 5"
    c["blink-overflow"] = b"BLINK 99999999999"
    c["args-for-on"] = b"ON 1"
    c["unknown"] = b"Hello from the client process!"
    c["control"] = b"ON\tpid=1"
    c["high-bit"] = b"ON \xff"
    c["two-nuls"] = b"ON\x00\x00"
    c["longest"] = b"ON" + b" " * 254
    c["too-long"] = b"ON" + b" " * 255
    c["empty"] = b""
    c["blank"] = b" "
    c["binary-lookalike"] = b"MQ\x00"
    c["line-name"] = b"ON pump"
    c["line-blink"] = b"BLINK 500 3 buzzer pid=7"
    c["line-bad-name"] = b"TOGGLE pu$mp"
    c["set"] = b"SET pump=on led=OFF k1=1 k2=0 pid=9"
    c["set-twice"] = b"SET pump=on PUMP=off"
    c["set-bad-value"] = b"SET pump=maybe"
    return c


def replies():
    c = {"ping": reply(OPS["ping"]), "stats": reply(OPS["stats"], payload=stats())}
    for name in ("led-on", "led-off", "led-toggle", "led-state"):
        c[name] = reply(OPS[name], payload=led(on=name != "led-off"))
    c["led-blink"] = reply(OPS["led-blink"], payload=led(1, 1, 500, 5))
    c["send"] = reply(OPS["send"])
    c["exit"] = reply(OPS["exit"])
    c["error"] = reply(OPS["led-on"], status=6, payload=b"cannot drive gpiochip0 line 17")
    c["error-empty"] = reply(OPS["ping"], status=1)
    c["error-longest"] = reply(OPS["ping"], status=4, payload=b"e" * 200)
    c["error-too-long"] = reply(OPS["ping"], status=4, payload=b"e" * 201)
    c["error-control"] = reply(OPS["ping"], status=4, payload=b"bad\nline")
    c["status-unknown"] = reply(OPS["ping"], status=99, payload=b"what")
    c["led-short"] = reply(OPS["led-on"], payload=led()[:11])
    c["stats-short"] = reply(OPS["stats"], payload=stats()[:-8])
    c["payload-mismatch"] = reply(OPS["ping"], payload=b"x", payload_len=2)
    c["payload-on-ping"] = reply(OPS["ping"], payload=b"x")
    c["led-on-is-2"] = reply(OPS["led-on"], payload=b"\x02" + led()[1:])
    c["version-2"] = reply(OPS["ping"], magic=b"MQ\x00\x02")
    c["header-short"] = reply(OPS["ping"])[:39]
    c["text"] = b"OK led=on"
    c["led-line-5"] = reply(OPS["led-on"], payload=led()[:2] + struct.pack("=H", 5) + led()[4:])
    c["line-set"] = reply(OPS["line-set"], payload=struct.pack("=QQQ", 3, 1, 41))
    c["line-set-on-not-set"] = reply(OPS["line-set"], payload=struct.pack("=QQQ", 1, 3, 41))
    record = struct.pack("=HBBIIIQ", 1, 1, 1, 500, 5, 9, 1001)
    entry = record + struct.pack("=IIBBBB", 18, 4242, 1, 4, 9, 0) + b"pumpgpiochip0"
    c["line-list"] = reply(OPS["line-list"], payload=struct.pack("=HH", 3, 1) + entry)
    c["line-list-trailing"] = reply(OPS["line-list"], payload=struct.pack("=HH", 3, 1) + entry + b"x")
    c["line-watch"] = reply(OPS["line-watch"], payload=struct.pack("=IHH", 7, 1, 0) + record +
                            struct.pack("=Q", 1700000000000000000))
    c["line-watch-count-off"] = reply(OPS["line-watch"], payload=struct.pack("=IHH", 7, 2, 0) +
                                      record + struct.pack("=Q", 1))
    return c


def serve():
    c = {}
    for name, body in requests().items():
        c["bin-" + name] = bytes([4]) + body
    for name, body in texts().items():
        c["text-" + name] = bytes([0]) + body
    c["urgent-exit"] = bytes([0]) + b"EXIT pid=4242"
    c["deadline-soon"] = bytes([9]) + request(OPS["led-toggle"], deadline=1)
    return c


def configs():
    with open(os.path.join(HERE, "..", "..", "msgq.conf"), "rb") as f:
        example = f.read()
    return {
        "example": example,
        "empty": b"",
        "minimal": b"key = 0x1234\n",
        "all": b"[msgq]\nkey = 4660\nmode = 0600\ngroup = gpio\ngpio = gpiochip0:17\nactive_low = yes\n"
               b"led_start = on\nled_stop = keep\n",
        "bad-led-start": b"led_start = keep\n",
        "bad-led-stop": b"led_stop = restore\n",
        "comments": b"# comment\n; another\n[msgq]\n  mode = 660 \n\tgroup = users\n",
        "other-section": b"[other]\nwhatever = 1\n[msgq]\nkey = 0x6d736771\n",
        "no-newline": b"key = 0x1",
        "crlf": b"[msgq]\r\nkey = 0x10\r\n",
        "bad-key": b"key = 0\n",
        "bad-mode": b"mode = 0999\n",
        "bad-bool": b"active_low = maybe\n",
        "bad-group": b"group = -wheel\n",
        "bad-gpio": b"gpio = GPIO 17\n",
        "unknown-setting": b"colour = blue\n",
        "no-equals": b"key\n",
        "bad-section": b"[msgq\nkey = 1\n",
        "long-line": b"gpio = " + b"G" * 300 + b"\nkey = 1\n",
        "long-comment": b"# " + b"c" * 300 + b"\nkey = 1\n",
        "nul": b"key = 0x1\x00junk\n",
        "high-bit": b"group = gr\xc3\xbcn\n",
        "duplicate": b"key = 1\nkey = 2\n",
        "inline-comment": b"key = 0x10 ; the key\n",
    }


def parses():
    values = [b"0x6d736771", b"0X6D736771", b"0xffffffff", b"0x100000000", b"0x", b"0x0",
              b"1", b"0", b"2147483647", b"2147483648", b"012", b"-1", b"+1", b" 1", b"1 ",
              b"0660", b"660", b"0777", b"01000", b"8", b"yes", b"No", b"TRUE", b"off",
              b"on", b"2", b"0.5", b"1.25", b"3600", b"3600.000", b"3600.001", b".5",
              b"5.", b"1e3", b"nan", b"inf", b"0.0001", b"18446744073709551615",
              b"18446744073709551616", b""]
    return {"value-%02d" % i: v for i, v in enumerate(values)}


def ledstate(on=1, blinking=0, period=0, remaining=0, changes=42, boot=b"1795950000123456",
             next_us=0, version=b"1"):
    return (b"msgqd-led-state " + version + b"\non %d\nblinking %d\nperiod_ms %d\nremaining %d\n"
            b"changes %d\nboot_us " % (on, blinking, period, remaining, changes) + boot +
            b"\nnext_toggle_us %d\n" % next_us)


def v2_line(name=b"led", gpio=b"GPIO17", active_low=0, seq=40, on=1, blinking=0, period=0,
            remaining=0, next_us=0):
    return (b"line " + name + b"\ngpio " + gpio + b"\nactive_low %d\nseq %d\non %d\nblinking %d\n"
            b"period_ms %d\nremaining %d\nnext_toggle_us %d\n"
            % (active_low, seq, on, blinking, period, remaining, next_us))


def ledstate_v2(lines, count=None, changes=42, version=b"2"):
    return (b"msgqd-led-state " + version + b"\nchanges %d\nboot_us 1795950000123456\nlines %d\n"
            % (changes, len(lines) if count is None else count) + b"".join(lines))


def ledstates_v2():
    """Version 2 of the state file: every line of the table, good and each way bad."""
    blink = v2_line(on=1, blinking=1, period=500, remaining=7, next_us=81234567)
    pump = v2_line(name=b"pump", gpio=b"gpiochip0:27", active_low=1, seq=2, on=0)
    fan = v2_line(name=b"fan", gpio=b"GPIO22", seq=11)
    good = ledstate_v2([blink, pump, fan])
    most = [v2_line(name=b"L%030d" % i, gpio=b"chip-%052d:%05d" % (i, i), active_low=i % 2,
                    seq=4294967295 - i, on=1, blinking=1, period=3600000, remaining=1999999,
                    next_us=18446744073709551615) for i in range(64)]
    return {
        "v2-one": ledstate_v2([v2_line()]),
        "v2-three": good,
        "v2-64-longest": ledstate_v2(most, changes=18446744073709551615),
        "v2-65": ledstate_v2(most + [fan]),
        "v2-lines-0": ledstate_v2([], count=0),
        "v2-lines-short": ledstate_v2([blink, pump, fan], count=4),
        "v2-lines-long": ledstate_v2([blink, pump, fan], count=2),
        "v2-truncated-record": good[:good.index(b"line fan")],
        "v2-name-twice": ledstate_v2([blink, v2_line(name=b"LED", gpio=b"GPIO18")]),
        "v2-gpio-twice": ledstate_v2([pump, v2_line(name=b"fan", gpio=b"0:27")]),
        "v2-bad-name": ledstate_v2([v2_line(name=b"pump!")]),
        "v2-long-name": ledstate_v2([v2_line(name=b"a" * 32)]),
        "v2-no-gpio": ledstate_v2([v2_line(gpio=b"")]),
        "v2-gpio-space": ledstate_v2([v2_line(gpio=b"GPIO 17")]),
        "v2-seq-33-bits": ledstate_v2([v2_line(seq=4294967296)]),
        "v2-blink-even-on": ledstate_v2([v2_line(blinking=1, period=500, remaining=8, next_us=1)]),
        "v2-out-of-order": good.replace(b"active_low 1\nseq 2\n", b"seq 2\nactive_low 1\n"),
        "v2-crlf": good.replace(b"\n", b"\r\n"),
        "v2-nul": good[:60] + b"\x00" + good[61:],
        "version-4": ledstate_v2([v2_line()], version=b"4"),
    }


def v3_slot(lines, changes=42, size=512, pad=b"\n", crc=None):
    body = ledstate_v2(lines, changes=changes)[len(b"msgqd-led-state 2\n"):]
    text = b"msgqd-led-state 3\nslot %d\n" % size + body
    text += pad * (size - 15 - len(text))
    return text + b"crc32 %08x\n" % (zlib.crc32(text) if crc is None else crc)


def ledstates_v3():
    """Version 3: two slots, each the whole table's state with its checksum; good and each way bad."""
    blink = v2_line(on=1, blinking=1, period=500, remaining=7, next_us=81234567)
    pump = v2_line(name=b"pump", gpio=b"gpiochip0:27", active_low=1, seq=2, on=0)
    fan = v2_line(name=b"fan", gpio=b"GPIO22", seq=11)
    door = v2_line(name=b"door", gpio=b"GPIO23", seq=17) + b"count 17\nlost 0\n"
    most = [v2_line(name=b"L%030d" % i, gpio=b"chip-%052d:%05d" % (i, i), active_low=i % 2,
                    seq=4294967295 - i, on=1, blinking=1, period=3600000, remaining=1999999,
                    next_us=18446744073709551615) for i in range(64)]
    a = v3_slot([blink, pump, fan, door], changes=42, size=1024)
    b = v3_slot([blink, pump, fan.replace(b"seq 11", b"seq 12"), door], changes=43, size=1024)
    one = v3_slot([v2_line()])
    longest = v3_slot(most, changes=18446744073709551615, size=16384)
    return {
        "v3-one": one + one,
        "v3-newer-second": a + b,
        "v3-newer-first": b + a,
        "v3-torn-second": a + b[:600] + a[600:],
        "v3-torn-first": b[:300] + a[300:] + b,
        "v3-both-torn": a[:700] + b[700:] + b[:700] + a[700:],
        "v3-flipped-byte": a + b[:100] + b"X" + b[101:],
        "v3-crc-upper": a + v3_slot([blink], changes=43, size=1024).replace(b"crc32 ", b"CRC32 "),
        "v3-slot-mismatch": a + v3_slot([blink], changes=44, size=512) * 2,
        "v3-short": (a + b)[:-1],
        "v3-cut-in-second": (a + b)[:1500],
        "v3-cut-in-first": (a + b)[:700],
        "v3-pad-space": a + v3_slot([blink], changes=43, size=1024, pad=b" "),
        "v3-bad-line": a + v3_slot([v2_line(name=b"pump!")], changes=43, size=1024),
        "v3-64-longest": longest + longest,
        "v3-no-slots": ledstate_v2([v2_line()], version=b"3"),
    }


def ledstates():
    """msgqd's LED state file (daemon/ledstate.h), good and each way bad: version 1, then 2, then 3."""
    good = ledstate(on=1, blinking=1, period=500, remaining=7, next_us=81234567)
    return {
        "on": ledstate(),
        "off": ledstate(on=0, changes=0),
        "blink": good,
        "blink-forever": ledstate(on=0, blinking=1, period=20, next_us=1),
        "empty": b"",
        "truncated": good[:len(good) // 2],
        "no-newline": good[:-1],
        "version-2": ledstate(version=b"2"),
        "nul": good[:20] + b"\x00" + good[21:],
        "on-2": ledstate(on=2),
        "leading-zero": ledstate().replace(b"changes 42", b"changes 042"),
        "even-while-on": ledstate(blinking=1, period=500, remaining=8, next_us=1),
        "hex-boot": ledstate(boot=b"6f1c0a1e2b3d4c5e6f708192a3b4c5d6"),
        "extra-line": good + b"extra 1\n",
        "crlf": good.replace(b"\n", b"\r\n"),
        "huge": good + b"\n" * 32800,
        **ledstates_v2(),
        **ledstates_v3(),
    }


def main():
    sets = {"request": requests(), "text": texts(), "reply": replies(), "serve": serve(),
            "config": configs(), "parse": parses(), "ledstate": ledstates()}
    for target, inputs in sets.items():
        d = os.path.join(HERE, "corpus", target)
        os.makedirs(d, exist_ok=True)
        for name, data in inputs.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        print("%s: %d inputs" % (target, len(inputs)), file=sys.stderr)


if __name__ == "__main__":
    main()
