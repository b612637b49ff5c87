"""assert_rope_conforms: the property battery of `ropecheck props --exec` as one pytest
assertion over a RoPE function of the test's own process.

    from ropecheck_worker.conformance import assert_rope_conforms

    def test_my_rope():
        assert_rope_conforms(my_rope, profile="f32-angle", cases=100,
                             supports={"dtypes": ["f32", "bf16"], "scaling": ["none"]})

The function is served from a thread of the test process over a Unix socket, through a
relay process that ropecheck runs as its worker (relay.py). On failure the test fails with
ropecheck's own report of every failing property — the shrunk counterexample — and the
command line that reproduces the run (seed included). Where ropecheck is: the `ropecheck`
argument, else $ROPECHECK, else `ropecheck` on PATH.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

from .protocol import serve

_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class RopeConformanceError(AssertionError):
    """The implementation failed the battery (pytest reports it as a test failure)."""


def _ropecheck_binary(explicit):
    found = explicit or os.environ.get("ROPECHECK") or shutil.which("ropecheck")
    if not found:
        raise RuntimeError("ropecheck not found: pass ropecheck=PATH, set $ROPECHECK, or put it on PATH")
    return found


def _failure_report(output):
    """ropecheck's lines about failures: each FAIL block with its indented detail."""
    kept, keep = [], False
    for line in output.splitlines():
        if line.startswith("  FAIL") or line.startswith("  XPASS") or line.startswith("props: ") or "reproduce:" in line:
            kept.append(line)
            keep = line.startswith("  FAIL")
        elif keep and line.startswith("         "):
            kept.append(line)
        else:
            keep = False
    return "\n".join(kept)


def assert_rope_conforms(fn, profile="exact", cases=100, supports=None, name=None, seed=None, hf_config=None,
                         expect_fail=None, ropecheck=None, timeout=None, in_place_fn=None, array_type="numpy",
                         extra_args=()):
    """Runs `ropecheck props --exec` on fn(spec, x, positions) -> out; returns ropecheck's
    output when every property it measured held, raises RopeConformanceError otherwise.

    supports: the capabilities fn declares (docs/worker-protocol.md), default every dtype,
    layout and scaling type of single-axis RoPE. seed: the battery's seed (default
    ropecheck's fixed one, or $ROPECHECK_SEED). hf_config: a model's config.json, to run
    the battery over that model's layer types. expect_fail: a file of property ids that
    must fail. timeout: seconds per call (--plugin-timeout).
    """
    binary = _ropecheck_binary(ropecheck)
    declared = dict(supports or {"dtypes": ["f32", "bf16", "f16"]})
    with tempfile.TemporaryDirectory(prefix="ropecheck-") as scratch:
        path = os.path.join(scratch, "worker.sock")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        server.listen(4)
        stop = threading.Event()

        def accept_loop():
            while not stop.is_set():
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                with conn, conn.makefile("rb") as rfile, conn.makefile("wb") as wfile:
                    try:
                        serve(fn, declared, name=name or getattr(fn, "__name__", "python function"),
                              in_place_fn=in_place_fn, array_type=array_type, stdin=rfile, stdout=wfile)
                    except (OSError, ValueError):
                        pass  # the relay went away (ropecheck restarted or stopped the worker)

        thread = threading.Thread(target=accept_loop, daemon=True)
        thread.start()
        command = "%s -m ropecheck_worker.relay %s" % (sys.executable, path)
        args = [binary, "props", "--exec", command, "--profile", profile, "--cases", str(cases)]
        seed = seed if seed is not None else os.environ.get("ROPECHECK_SEED")
        if seed is not None:
            args += ["--seed", str(seed)]
        if hf_config:
            args += ["--hf-config", str(hf_config)]
        if expect_fail:
            args += ["--expect-fail", str(expect_fail)]
        if timeout:
            args += ["--plugin-timeout", str(timeout)]
        args += list(extra_args)
        env = dict(os.environ)
        env["PYTHONPATH"] = _PACKAGE_PARENT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        try:
            result = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, check=False)
        finally:
            stop.set()
            server.close()
        output = result.stdout.decode("utf-8", "replace")
        if result.returncode == 0:
            return output
        if result.returncode == 2:
            raise RuntimeError("ropecheck props could not run: " + output.strip().splitlines()[-1])
        raise RopeConformanceError("RoPE implementation %s does not conform (ropecheck props, profile %s):\n%s\n"
                                   "(the seed and --cases above reproduce the run; in this test the worker is %s)"
                                   % (getattr(fn, "__name__", fn), profile, _failure_report(output),
                                      getattr(fn, "__name__", "the function")))
