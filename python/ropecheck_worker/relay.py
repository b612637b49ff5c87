"""The worker process of assert_rope_conforms: relays the protocol between ropecheck (this
process's stdin and stdout) and a serve() loop running in the test's own process, behind
a Unix socket. The function under test thereby runs where the test set it up (its
imports, its device, its fixtures), and ropecheck still sees an ordinary worker.

    python3 -m ropecheck_worker.relay SOCKET_PATH
"""
import os
import socket
import sys
import threading

CHUNK = 1 << 20


def _pump(read, write, done):
    try:
        while True:
            data = read(CHUNK)
            if not data:
                break
            view = memoryview(data)
            while view:
                view = view[write(view):]
    except OSError:
        pass
    finally:
        done.set()


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: python3 -m ropecheck_worker.relay SOCKET_PATH\n")
        return 2
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(argv[1])
    done = threading.Event()
    to_test = threading.Thread(target=_pump, args=(lambda n: os.read(0, n), conn.send, done), daemon=True)
    to_ropecheck = threading.Thread(target=_pump, args=(conn.recv, lambda b: os.write(1, b), done), daemon=True)
    to_test.start()
    to_ropecheck.start()
    done.wait()  # either side closed: ropecheck ended its input, or the test's server went away
    try:
        conn.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    to_ropecheck.join(timeout=5)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
