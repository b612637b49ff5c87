"""assert_rope_conforms end to end against the built ropecheck ($ROPECHECK): a correct
numpy RoPE passes; each one-line bug fails the test with ropecheck's shrunk
counterexample and the command line that reproduces the run."""
import numpy as np
import pytest

from numpy_rope_worker import rope
from ropecheck_worker import RopeConformanceError, Unsupported, assert_rope_conforms

SUPPORTS = {"dtypes": ["f32", "bf16", "f16"], "scaling": ["none"], "position_scale": False, "strides": True}


def correct_rope(spec, x, positions):
    return rope(spec, x, positions)


def test_a_correct_rope_conforms():
    output = assert_rope_conforms(correct_rope, profile="f32-angle", cases=25, supports=SUPPORTS)
    assert "worker: 10 passed, 0 failed" in output  # no q and k path: gqa_qk skipped


@pytest.mark.parametrize("bug,property_name", [("bf16-positions", "score depends on n-m only"),
                                               ("in-place-pair-update", "norm is preserved"),
                                               ("only-head-0", "f32 output within the f32-angle bound")])
def test_a_one_line_bug_fails_with_its_shrunk_case(bug, property_name):
    def buggy(spec, x, positions):
        return rope(spec, x, positions, bug)

    with pytest.raises(RopeConformanceError) as failure:
        assert_rope_conforms(buggy, profile="f32-angle", cases=25, supports=SUPPORTS, seed=11)
    message = str(failure.value)
    assert "FAIL   worker buggy: " + property_name in message
    assert ", positions [" in message  # the shrunk counterexample
    assert "reproduce: ropecheck props --exec" in message and "--seed 11 --cases 25" in message


def test_an_in_place_path_is_tested_too():
    calls = []

    def in_place(spec, x, positions):
        calls.append(1)
        x[...] = rope(spec, x, positions)

    assert_rope_conforms(correct_rope, profile="f32-angle", cases=10, supports=SUPPORTS, in_place_fn=in_place)
    assert calls, "the in-place path was never called"


def test_declining_everything_measures_nothing_and_fails():
    def declines(spec, x, positions):
        raise Unsupported("nothing here")

    with pytest.raises(RopeConformanceError) as failure:
        assert_rope_conforms(declines, cases=5, supports=SUPPORTS)
    assert "measured nothing" in str(failure.value)


def test_an_exception_in_the_function_is_a_failure_not_a_skip():
    def raises(spec, x, positions):
        raise ValueError("shape mismatch in my kernel")

    with pytest.raises(RopeConformanceError) as failure:
        assert_rope_conforms(raises, cases=5, supports=SUPPORTS)
    assert "ValueError: shape mismatch in my kernel" in str(failure.value)
