"""Checking outcomes of code run through autograd, for lesson 4's hidden graders.

Several classic autograd bugs announce themselves by raising, not by a wrong value: an
in-place change of a saved tensor, a backward that returns the wrong number of gradients,
``w.grad.zero_()`` before the first backward.  The lesson 4 probes therefore return such an
exception as data (``raised``: type, message, phase, the student's line), and
``expect.not_raised`` names the catalogued mistakes that raise the same error on the same inputs.  Outcomes come
from ``differentiate`` or ``regression_training`` (graders/lesson4/probes_*.py), run in
the sandbox on the student's code and here on the reference and the mistakes.
"""

from __future__ import annotations

from graders.api import Expect, ForbiddenCall, UnusableValue, describe_call
from graders.lesson4.probes_autograd_functions import differentiate


def check_value(expect: Expect, got: dict, want: dict, *, what: str, mistakes, recompute) -> None:
    """Compare the forward value of a ``differentiate`` outcome."""
    if got["value"] is None:
        expect.not_raised(got, what=what, mistakes=mistakes, recompute=recompute)
    expect.close(
        got["value"],
        want["value"],
        what=what,
        mistakes=mistakes,
        recompute=lambda wrong: recompute(wrong)["value"],
    )


def check_gradient(
    expect: Expect,
    got: dict,
    want: dict,
    index: int,
    *,
    what: str,
    input_name: str,
    mistakes,
    recompute,
) -> None:
    """Compare the gradient for the ``index``-th differentiated input of a ``differentiate`` outcome."""
    if got.get("nested_backward"):
        raise ForbiddenCall(
            f"{what}: the backward pass runs autograd itself (backward() or torch.autograd.grad inside backward); "
            "write the gradient by hand"
        )
    expect.not_raised(got, what=what, mistakes=mistakes, recompute=recompute)
    # No gradients: the value's shape differs, so no gradient of the right shape could be asked
    # for (check_value says so); a reply whose value is right has no excuse for none.
    if got["grads"] is None:
        check_value(
            expect,
            got,
            want,
            what=f"{what}: the forward value",
            mistakes=mistakes,
            recompute=recompute,
        )
        raise UnusableValue(f"{what}: the reply holds the value but no gradients")
    expect.close(
        got["grads"][index],
        want["grads"][index],
        what=f"{what}: the gradient with respect to {input_name}",
        mistakes=mistakes,
        recompute=lambda wrong: recompute(wrong)["grads"][index],
        hint=f"no gradient reached {input_name}: autograd gave None for it (the result does not "
        "depend on it through the graph, or a backward returned None for it)"
        if got["grads"][index] is None
        else "",
    )


def _callable(entry):
    """A function as it is, a ``torch.autograd.Function`` through its ``apply``."""
    return entry.apply if isinstance(entry, type) else entry


def check_differentiated(
    student,
    expect: Expect,
    gen,
    reference,
    args: tuple,
    *,
    wrt: tuple,
    part,
    mistakes,
    input_names=("x",),
) -> None:
    """Run the student's entry point like ``reference`` on ``args``, and compare its value or one gradient.

    ``part`` is "value" (``wrt`` may then be empty) or the position in ``args`` of the input whose
    gradient is compared; ``grad_output`` is drawn from the case's seeded ``gen``, the same for everyone.
    """
    value = _callable(reference)(*args)
    grad_output = gen.normal(*value.shape, dtype=value.dtype)
    got = student.probe("differentiate_function", args=args, wrt=wrt, grad_output=grad_output)
    want = differentiate(_callable(reference), args, wrt, grad_output)

    def recompute(wrong):
        return differentiate(_callable(wrong), args, wrt, grad_output)

    name = reference.__name__ + (".apply" if isinstance(reference, type) else "")
    what = describe_call(name, *args)
    if part == "value":
        check_value(expect, got, want, what=what, mistakes=mistakes, recompute=recompute)
    else:
        check_gradient(
            expect,
            got,
            want,
            wrt.index(part),
            what=what,
            input_name=input_names[part],
            mistakes=mistakes,
            recompute=recompute,
        )
