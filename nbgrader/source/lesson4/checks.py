"""Checks used by the visible tests: each failure says what differs, where, and by how much.

You do not need to read or change this file.  The hidden graders use the same wording.
"""

import inspect
import math

import torch

# Default tolerances: a few units in the last place, enough for a different summation order.
TOLERANCES = {torch.float32: (1e-5, 1e-6), torch.float64: (1e-9, 1e-10)}


def check_close(got, want, what, rtol=None, atol=None, hint=""):
    """Fail with a readable message unless ``got`` matches ``want`` (tensor or number)."""
    if rtol is None or atol is None:
        dtype = want.dtype if isinstance(want, torch.Tensor) else torch.float64
        rtol, atol = TOLERANCES.get(dtype, TOLERANCES[torch.float32])
    problem = difference(got, want, rtol, atol)
    if problem is not None:
        raise AssertionError(f"{what}: {problem}" + (f"\nHint: {hint}" if hint else ""))


def check_raises(function, exception, what):
    """Fail unless ``function()`` raises ``exception``."""
    try:
        function()
    except exception:
        return
    except NotImplementedError:
        raise
    except Exception as exc:
        raise AssertionError(
            f"{what}: raised {type(exc).__name__}: {exc}, expected {exception.__name__}"
        ) from None
    raise AssertionError(f"{what}: returned normally, expected it to raise {exception.__name__}")


def check_unchanged(function, *args, **kwargs):
    """Call ``function(*args, **kwargs)``, fail if it changed a tensor it was given; return its value.

    The hidden graders check this for every exercise: a function that changes its arguments in
    place (``input.sub_(target)``, ``grad.mul_(2)``) returns the right value and breaks its
    caller, who still holds those tensors.  Optimizers change only the parameter and their state.
    """
    try:
        names = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        names = []
    given = [
        (f"`{names[i]}`" if i < len(names) else f"argument {i + 1}", a) for i, a in enumerate(args)
    ] + [(f"`{key}`", a) for key, a in kwargs.items()]
    before = [(name, a.detach().clone()) for name, a in given if isinstance(a, torch.Tensor)]
    value = function(*args, **kwargs)
    tensors = dict(given)
    for name, copy in before:
        now = tensors[name].detach()
        if now.shape != copy.shape or not torch.equal(now.nan_to_num(), copy.nan_to_num()):
            raise AssertionError(
                f"{getattr(function, '__name__', 'the function')} changed its {name} in place: "
                "leave the tensors you are given as they are (compute into a new tensor, or "
                "work on a .clone())"
            )
    return value


def difference(got, want, rtol, atol):
    """None when ``got`` matches ``want``; otherwise what differs, in a sentence or two."""
    if not isinstance(want, torch.Tensor):
        return _number_difference(got, want, rtol, atol)
    if not isinstance(got, torch.Tensor):
        extra = (
            " (return the tensor itself, not .item() or a list)"
            if isinstance(got, (int, float, list))
            else ""
        )
        return f"expected a tensor of shape {tuple(want.shape)}, got {describe(got)}{extra}"
    if got.shape != want.shape:
        return f"the result has shape {tuple(got.shape)}, expected {tuple(want.shape)}"
    if got.device != want.device:
        return (
            f"the result is on {got.device}, but the inputs were on {want.device}: create new tensors "
            "with device=input.device (or torch.zeros_like and friends) and never call .cpu() on the result"
        )
    if got.dtype != want.dtype:
        return (
            f"the result has dtype {_dtype(got)}, expected {_dtype(want)}: keep the input's dtype "
            "(new tensors need dtype=input.dtype; Python floats and integer tensors change it)"
        )
    if want.dtype.is_floating_point or want.dtype.is_complex:
        return _value_difference(got, want, rtol, atol)
    mismatch = got != want
    if not bool(mismatch.any()):
        return None
    index = tuple(int(i) for i in mismatch.nonzero()[0].tolist()) if want.dim() else ()
    return (
        f"{int(mismatch.sum())} of {want.numel()} elements differ; first at index {index}: "
        f"got {got[index].item()}, expected {want[index].item()}"
    )


def _value_difference(got, want, rtol, atol):
    got64 = got.detach().to(device="cpu", dtype=torch.float64)
    want64 = want.detach().to(device="cpu", dtype=torch.float64)
    close = torch.isclose(got64, want64, rtol=rtol, atol=atol, equal_nan=True)
    if bool(close.all()):
        return None
    both_finite = torch.isfinite(got64) & torch.isfinite(want64)
    gap = torch.where(both_finite, (got64 - want64).abs(), torch.full_like(got64, math.inf))
    gap = torch.where(close, torch.zeros_like(gap), gap).reshape(-1)
    flat = int(gap.argmax())
    g, w = got64.reshape(-1)[flat].item(), want64.reshape(-1)[flat].item()
    where = f" at index {_unravel(flat, tuple(want.shape))}" if want.dim() else ""
    parts = [
        f"{int((~close).sum())} of {want.numel()} elements differ beyond the tolerance (rtol={rtol:g}, atol={atol:g})"
    ]
    if math.isfinite(g) and math.isfinite(w):
        relative = abs(g - w) / abs(w) if w else math.inf
        parts.append(
            f"greatest difference {abs(g - w):.4g}{where} (relative {relative:.3g}): got {g:.10g}, expected {w:.10g}"
        )
    else:
        parts.append(f"a non-finite mismatch{where}: got {g}, expected {w}")
        if not math.isfinite(g) and math.isfinite(w):
            parts.append(
                "nan or inf where the answer is finite usually comes from log(0), 0/0 or exp() of a large number"
            )
    return "; ".join(parts)


def _number_difference(got, want, rtol, atol):
    if isinstance(want, bool) or not isinstance(want, (int, float)):
        same = type(got) is type(want) and not isinstance(got, torch.Tensor) and got == want
        return None if same else f"got {describe(got)}, expected {describe(want)}"
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        got = got.item()
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return f"expected a number, got {describe(got)}"
    if math.isclose(got, want, rel_tol=rtol, abs_tol=atol) or (
        math.isnan(got) and math.isnan(want)
    ):
        return None
    return f"got {got:.10g}, expected {want:.10g} (difference {abs(got - want):.4g})"


def _dtype(tensor):
    return str(tensor.dtype).replace("torch.", "")


def _unravel(flat, shape):
    index = []
    for size in reversed(shape):
        index.append(flat % size)
        flat //= size
    return tuple(reversed(index))


def describe(value):
    """A short description of any value, for messages."""
    if isinstance(value, torch.Tensor):
        return f"a {_dtype(value)} tensor of shape {tuple(value.shape)} on {value.device}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    if isinstance(value, dict):
        return f"a dict with keys {sorted(map(str, value))[:8]}"
    return f"{type(value).__name__} {repr(value)[:80]}"
