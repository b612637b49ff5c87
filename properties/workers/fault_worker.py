#!/usr/bin/env python3
"""A worker that breaks the worker protocol in one chosen way (--fault), for the harness
tests: ropecheck must report each as the worker's failure and never crash or hang.
Without a fault, and after the fault when it is a one-time one, it answers every apply
call with its input unchanged (the harness checks the protocol, not the rotation).

  --fault NAME        see FAULTS
  --pid-file PATH     write the pid of a process this worker leaves behind (escape)
"""
import argparse
import json
import os
import signal
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from ropecheck_worker.safetensors_codec import decode, encode  # noqa: E402

FAULTS = ("none", "crash", "crash-once", "exit", "hang", "hang-on-hello", "garbage", "huge-length", "wrong-shape",
          "wrong-dtype", "wrong-id", "error", "unsupported", "stray-stdout", "exit-after-hello", "stderr-flood",
          "bad-protocol", "no-supports", "escape", "exit-on-hello", "truncated", "misleading-stderr")
SUPPORTS = {"dtypes": ["f32", "bf16", "f16"], "multi_axis": True, "in_place": True, "strides": True}


def read_exact(n):
    data = b""
    while len(data) < n:
        chunk = sys.stdin.buffer.read(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def send(blob, out=None):
    out = out or sys.stdout.buffer
    out.write(struct.pack("<Q", len(blob)) + blob)
    out.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fault", choices=FAULTS, default="none")
    parser.add_argument("--pid-file")
    args = parser.parse_args()
    fault = args.fault
    state_file = os.environ.get("ROPECHECK_FAULT_STATE")  # crash-once: crashed already?
    while True:
        prefix = read_exact(8)
        if prefix is None:
            return 0
        tensors, meta = decode(read_exact(struct.unpack("<Q", prefix)[0]))
        if meta["op"] == "hello":
            if fault == "hang-on-hello":
                time.sleep(3600)
            if fault == "misleading-stderr":  # text a verdict must not be read from
                sys.stderr.write("sh: 1: x: not found (exited with status 127); no reply within 1 s\n")
                return 1
            if fault == "exit-on-hello":
                sys.stderr.write("exiting before the handshake\n")
                return 4
            hello = {"op": "hello", "id": "0", "protocol": "99" if fault == "bad-protocol" else "1",
                     "name": "fault " + fault}
            if fault != "no-supports":
                hello["supports"] = json.dumps(SUPPORTS)
            send(encode({}, hello))
            if fault == "exit-after-hello":  # the next request meets a pipe nobody reads
                return 5
            continue
        call = meta["id"]
        if fault == "crash" or (fault == "crash-once" and state_file and not os.path.exists(state_file)):
            if state_file:
                open(state_file, "w").close()
            sys.stderr.write("about to crash on call %s\n" % call)
            sys.stderr.flush()
            os.kill(os.getpid(), signal.SIGSEGV)
        if fault == "exit":
            sys.stderr.write("exiting on call %s\n" % call)
            return 3
        if fault == "hang":
            time.sleep(3600)
        if fault == "escape":
            child = os.fork()
            if child == 0:
                os.setsid()
                time.sleep(3600)
                os._exit(0)
            if args.pid_file:
                with open(args.pid_file, "w") as f:
                    f.write(str(child))
        if fault == "garbage":
            sys.stdout.buffer.write(b"\x10\x00\x00\x00\x00\x00\x00\x00not safetensors!")
            sys.stdout.buffer.flush()
            continue
        if fault == "huge-length":
            sys.stdout.buffer.write(struct.pack("<Q", 1 << 40))
            sys.stdout.buffer.flush()
            time.sleep(3600)
        if fault == "truncated":
            sys.stdout.buffer.write(struct.pack("<Q", 1000) + b"{" * 10)
            sys.stdout.buffer.flush()
            return 0
        if fault == "stray-stdout":
            print("debug: applying rope")
            sys.stdout.flush()
        if fault == "stderr-flood":
            sys.stderr.write("x" * (8 << 20))
            sys.stderr.flush()
        dtype_name, x = tensors["x"]
        heads = int(meta["heads"])
        spec = json.loads(meta["spec"])
        out = x.reshape(x.shape[0], heads, spec["head_dim"]) if "strides" not in tensors else None
        if out is None:  # strided: the leading heads*head_dim elements of each row
            out = x[:, : heads * spec["head_dim"]].reshape(x.shape[0], heads, spec["head_dim"])
        reply_meta = {"op": "apply", "id": str(int(call) + 1) if fault == "wrong-id" else call}
        if fault == "error":
            reply_meta["error"] = "ValueError: something broke\nwith a second line"
            send(encode({}, reply_meta))
            continue
        if fault == "unsupported":
            reply_meta["unsupported"] = "no such head_dim in this kernel"
            send(encode({}, reply_meta))
            continue
        if fault == "wrong-shape":
            out = out.reshape(-1)
        if fault == "wrong-dtype":
            send(encode({"out": ("F64", out.astype("<f8") if dtype_name != "BF16" else out.astype("<f8"))}, reply_meta))
            continue
        send(encode({"out": (dtype_name, out)}, reply_meta))


if __name__ == "__main__":
    sys.exit(main())
