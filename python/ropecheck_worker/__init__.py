"""ropecheck worker client: turn a RoPE function of any Python framework into a worker
that `ropecheck props --exec`, `report --exec` and `check --exec` test
(docs/worker-protocol.md). Pure Python 3.9+ and numpy; torch is optional.

    from ropecheck_worker import serve
    def apply(spec, x, positions): ...   # -> [T, H, D]
    serve(apply, supports={"dtypes": ["f32", "bf16", "f16"], "layouts": ["half_split"]})
"""
from .protocol import PROTOCOL_VERSION, Unsupported, serve
from .conformance import RopeConformanceError, assert_rope_conforms

__all__ = ["PROTOCOL_VERSION", "RopeConformanceError", "Unsupported", "assert_rope_conforms", "serve"]
