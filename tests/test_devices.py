"""Device handling: CUDA cases where a GPU exists, one clear line where it does not, and the
device paths exercised on any machine through PyTorch's ``meta`` device, which raises the same
"not on the expected device" errors as CUDA when code creates tensors on the CPU."""

import pytest
import torch
from conftest import run_cli, run_pytest

from graders.course.model import ROOT, load_course
from graders.course.submission import Submission
from graders.host.sandbox import Zygote
from graders.host.student import StudentRaised, SubmissionWorker

needs_gpu = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="no CUDA device on this machine"
)
needs_no_gpu = pytest.mark.skipif(
    torch.cuda.is_available(), reason="this machine has a CUDA device"
)


@needs_no_gpu
def test_device_cuda_without_a_gpu_is_one_clear_line(tmp_path):
    process = run_cli(
        "grade", "samples/class/ada", "--out", str(tmp_path), "--device", "cuda", check=False
    )
    assert process.returncode == 2
    assert process.stderr.strip() == (
        "error: --device cuda: this machine has no CUDA device (torch.cuda.is_available() is False); "
        "use --device cpu or all"
    )


@needs_no_gpu
def test_without_a_gpu_no_cuda_cases_are_generated_and_the_header_says_so():
    process = run_pytest(
        "graders/lesson1", "--submission", "solutions", "--collect-only", "-q", "--device", "all"
    )
    assert "-cuda" not in process.stdout
    header = run_pytest(
        "graders/lesson1", "--submission", "solutions", "--collect-only", "--device", "all"
    )
    assert "no CUDA device: GPU cases not generated" in header.stdout


@needs_gpu
def test_on_a_gpu_every_value_test_runs_on_cuda_and_records_it(tmp_path):
    run_cli("grade", "solutions", "--out", str(tmp_path), "--device", "cuda", "--quiet")
    import json

    result = json.loads((tmp_path / "solutions" / "result.json").read_text())
    assert result["score"] == result["max_score"]
    assert {t["device"] for e in result["exercises"] for t in e["tests"]} == {"cuda"}


# -- the meta device: device paths on any machine ----------------------------------------------


@pytest.fixture(scope="module")
def zygote():
    z = Zygote("auto", hidden=[ROOT])
    z.wait_ready()
    yield z
    z.close()


def call_on_meta(zygote, mse_body: str):
    course = load_course()
    source = "import torch\n\ndef mse(input, target, reduction='mean'):\n" + "".join(
        f"    {line}\n" for line in mse_body.splitlines()
    )
    worker = SubmissionWorker(
        zygote, Submission("meta", ROOT, files={"lesson1/losses.py": source}), course
    )
    x = torch.randn(4, 3, dtype=torch.float64)
    try:
        return worker.run(
            course.exercise("lesson1.mse"), "call", {"args": (x, x), "kwargs": {}}, device="meta"
        )
    finally:
        worker.close()


def test_inputs_reach_student_code_on_the_requested_device_and_the_result_comes_back_on_it(zygote):
    got = call_on_meta(
        zygote,
        "assert input.device.type == 'meta', input.device\nreturn ((input - target) ** 2).mean()",
    )
    assert got.device.type == "meta" and got.shape == () and got.dtype == torch.float64


def test_a_tensor_created_without_device_is_caught_with_a_hint(zygote):
    with pytest.raises(StudentRaised) as failure:
        call_on_meta(
            zygote,
            "total = torch.zeros(input.shape, dtype=input.dtype)\nreturn ((input - target) ** 2 + total).mean()",
        )
    assert "not on the expected device" in failure.value.message
    assert "create new tensors on the input's device" in failure.value.message


def test_moving_the_result_to_the_cpu_is_caught_with_a_hint(zygote):
    with pytest.raises(StudentRaised) as failure:
        call_on_meta(zygote, "return ((input - target) ** 2).mean().cpu()")
    assert "never move results with .cpu()" in failure.value.message


def test_a_result_on_another_device_than_the_reference_fails_with_a_device_message(course):
    from graders.grading.compare import Expect

    expect = Expect(course, course.exercise("lesson1.mse"))
    with pytest.raises(AssertionError, match="the result is on cpu, but the inputs were on meta"):
        expect.close(torch.zeros(3), torch.zeros(3, device="meta"), what="mse(...)")


def test_tolerances_are_chosen_per_dtype_and_device(course):
    from graders.grading.compare import Expect

    expect = Expect(course, course.exercise("lesson1.mse"))
    assert expect.tolerance(torch.zeros(1, dtype=torch.float32)) == course.tolerance(
        "float32", "cpu"
    )
    assert expect.tolerance(torch.zeros(1, dtype=torch.float64)) == course.tolerance(
        "float64", "cpu"
    )
    assert course.tolerance("float32", "cuda:0") == course.tolerance("float32", "cuda")
    assert course.tolerance("float32", "cuda").rtol > course.tolerance("float32", "cpu").rtol
