"""Hidden graders for lesson5/tuning.py: grid and random search, cross-validation, expected improvement.

Searches run in the sandbox against a recording objective (graders/lesson5/probes_*.py)
that remembers every configuration it is asked about, so the graders check what was
evaluated as well as what was returned.
"""

import math

import pytest
import torch

from graders.api import describe, describe_call, difference, load_reference, remembered
from graders.lesson5.probes_common import with_layout
from graders.lesson5.probes_tuning import run_search

from .mistakes_tuning import catalogue

ref = load_reference("lesson5.tuning")
BOTH = (torch.float32, torch.float64)


def same_value(a, b) -> bool:
    if (
        isinstance(a, (int, float))
        and isinstance(b, (int, float))
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return type(a) is type(b) and a == b


def same_configuration(a, b) -> bool:
    return (
        isinstance(a, dict)
        and isinstance(b, dict)
        and a.keys() == b.keys()
        and all(same_value(a[k], b[k]) for k in a)
    )


def same_result(got, want) -> bool:
    return (
        isinstance(got, (tuple, list))
        and len(got) == 2
        and same_configuration(got[0], want[0])
        and same_value(got[1], want[1])
    )


def expect_result(expect, got, want, what, mistakes, run):
    """``got`` must be ``(best_params, best_loss)`` equal to ``want``; mistakes that return the same are named."""
    if same_result(got, want):
        return
    shown = (
        f"({got[0]}, {got[1]!r})"
        if isinstance(got, (tuple, list)) and len(got) == 2
        else describe(got)
    )
    expect.fail(
        f"{what}: returned {shown}, expected ({want[0]}, {want[1]!r})",
        mistakes=mistakes,
        recompute=run,
        like=lambda outcome: (
            same_result(got, outcome["result"]) and not same_result(want, outcome["result"])
        ),
    )


def expect_calls(expect, got, want, what, mistakes, run, ordered):
    """The configurations evaluated: the same list (``ordered``) or the same collection, each once."""
    key = (lambda calls: calls) if ordered else (lambda calls: sorted(calls, key=repr))

    def same(a, b):
        return len(a) == len(b) and all(same_configuration(x, y) for x, y in zip(key(a), key(b)))

    if same(got, want):
        return
    if len(got) != len(want):
        problem = f"{len(got)} configurations evaluated, expected {len(want)}"
    elif ordered:
        index = next(i for i, (g, w) in enumerate(zip(got, want)) if not same_configuration(g, w))
        problem = f"trial {index + 1} evaluated {got[index]}, expected {want[index]}"
    else:
        missing = [w for w in want if not any(same_configuration(w, g) for g in got)]
        problem = (
            f"never evaluated {missing[:3]}"
            if missing
            else "some combinations were evaluated more than once"
        )
    expect.fail(
        f"{what}: {problem}",
        mistakes=mistakes,
        recompute=run,
        like=lambda outcome: same(got, outcome["calls"]) and not same(want, outcome["calls"]),
    )


# -- grid_search -------------------------------------------------------------------------------

# (id, grid, objective description)
GRIDS = [
    (
        "lr-by-layers",
        {"lr": [1e-4, 1e-3, 1e-2, 1e-1], "layers": [1, 2, 3]},
        {"targets": {"lr": -2.3, "layers": 2}, "log": ["lr"], "weights": {"layers": 0.1}},
    ),
    (
        "with-a-categorical",
        {"lr": [1e-3, 1e-2], "activation": ["relu", "tanh", "gelu"], "dropout": [0.0, 0.25, 0.5]},
        {
            "targets": {"lr": -2.0, "dropout": 0.25},
            "log": ["lr"],
            "costs": {"activation": {"relu": 0.3, "tanh": 0.1, "gelu": 0.2}},
        },
    ),
    ("best-is-the-last", {"a": [1, 2, 3], "b": [10, 20]}, {"targets": {"a": 3, "b": 20}}),
    ("all-equally-good", {"a": [1, 2], "b": [3, 4, 5]}, {"constant": 1.5}),
    (
        "one-hyperparameter",
        {"weight_decay": [0.0, 1e-4, 1e-3, 1e-2]},
        {"targets": {"weight_decay": 0.001}},
    ),
    ("a-single-value", {"lr": [0.01], "layers": [1, 2, 3]}, {"targets": {"layers": 3}}),
]


def grid_cases(weight):
    return [
        pytest.param(
            grid,
            objective,
            id=name,
            marks=pytest.mark.exercise("lesson5.grid_search", weight=weight),
        )
        for name, grid, objective in GRIDS
    ]


def search(student, memo, seed, reference, objective, args, kwargs=None):
    """(the student's run, the reference's, and the catalogue's runs) of a search in this case.

    Mistakes run with torch's global generator seeded as the sandbox's is (``seed``), so one
    that ignores the seeded generator draws here what it drew there.
    """
    want = memo("reference", lambda: run_search(reference, objective, args, kwargs))

    def run_mistake(wrong):
        torch.manual_seed(seed)
        return run_search(wrong, objective, args, kwargs)

    runs = remembered(memo("mistakes' runs", dict), run_mistake)
    got = student.probe("hyperparameter_search", objective=objective, args=args, kwargs=kwargs)
    return got, want, runs


@pytest.mark.inputs("grid search returns the best combination")
@pytest.mark.parametrize("grid, objective", grid_cases(weight=2))
def test_grid_search_returns_the_best_combination(student, expect, memo, seed, grid, objective):
    got, want, runs = search(student, memo, seed, ref.grid_search, objective, (grid,))
    expect_result(
        expect,
        got["result"],
        want["result"],
        f"grid_search(objective, {grid})",
        catalogue.of("grid_search"),
        runs,
    )


@pytest.mark.inputs("grid search evaluates every combination once")
@pytest.mark.parametrize("grid, objective", grid_cases(weight=1))
def test_grid_search_evaluates_every_combination_once(student, expect, memo, seed, grid, objective):
    got, want, runs = search(student, memo, seed, ref.grid_search, objective, (grid,))
    expect_calls(
        expect,
        got["calls"],
        want["calls"],
        f"the configurations grid_search(objective, {grid}) evaluated",
        catalogue.of("grid_search"),
        runs,
        ordered=False,
    )


# -- random_search -------------------------------------------------------------------------------

ACTIVATION_COSTS = {"activation": {"relu": 0.3, "tanh": 0.1, "gelu": 0.2}}
# (id, space, n_trials, seed, objective description)
SPACES = [
    (
        "lr-and-momentum",
        {"lr": ("log_uniform", 1e-5, 1e-1), "momentum": ("uniform", 0.5, 0.99)},
        20,
        0,
        {"targets": {"lr": -3.0, "momentum": 0.9}, "log": ["lr"]},
    ),
    (
        "layers-and-activation",
        {"layers": ("int", 1, 4), "activation": ("choice", ["relu", "tanh", "gelu"])},
        15,
        5,
        {"targets": {"layers": 4}, "costs": ACTIVATION_COSTS},
    ),
    (
        "every-kind",
        {
            "lr": ("log_uniform", 1e-4, 1.0),
            "layers": ("int", 2, 5),
            "dropout": ("uniform", 0.0, 0.5),
            "activation": ("choice", ["relu", "tanh", "gelu"]),
        },
        25,
        123,
        {
            "targets": {"lr": -1.5, "layers": 3, "dropout": 0.1},
            "log": ["lr"],
            "costs": ACTIVATION_COSTS,
        },
    ),
    ("all-equally-good", {"x": ("uniform", 0.0, 1.0)}, 5, 9, {"constant": 2.0}),
]


def random_cases(weight):
    return [
        pytest.param(
            space,
            n,
            seed,
            objective,
            id=name,
            marks=pytest.mark.exercise("lesson5.random_search", weight=weight),
        )
        for name, space, n, seed, objective in SPACES
    ]


@pytest.mark.inputs("random search draws the seeded configurations")
@pytest.mark.parametrize("space, n_trials, search_seed, objective", random_cases(weight=2))
def test_random_search_draws_the_seeded_configurations(
    student, expect, memo, seed, space, n_trials, search_seed, objective
):
    got, want, runs = search(
        student, memo, seed, ref.random_search, objective, (space, n_trials), {"seed": search_seed}
    )
    expect_calls(
        expect,
        got["calls"],
        want["calls"],
        f"the configurations random_search(objective, {space}, {n_trials}, seed={search_seed}) evaluated",
        catalogue.of("random_search"),
        runs,
        ordered=True,
    )


@pytest.mark.inputs("random search returns the best trial")
@pytest.mark.parametrize("space, n_trials, search_seed, objective", random_cases(weight=1))
def test_random_search_returns_the_best_trial(
    student, expect, memo, seed, space, n_trials, search_seed, objective
):
    got, want, runs = search(
        student, memo, seed, ref.random_search, objective, (space, n_trials), {"seed": search_seed}
    )
    expect_result(
        expect,
        got["result"],
        want["result"],
        f"random_search(objective, {space}, {n_trials}, seed={search_seed})",
        catalogue.of("random_search"),
        runs,
    )


@pytest.mark.inputs("random search leaves the global random state alone")
@pytest.mark.exercise("lesson5.random_search", weight=0.5)
def test_random_search_leaves_the_global_random_state_alone(student, expect, memo, seed):
    _, space, n_trials, search_seed, objective = SPACES[2]
    got, want, runs = search(
        student, memo, seed, ref.random_search, objective, (space, n_trials), {"seed": search_seed}
    )
    if not got["global_state_kept"]:
        expect.fail(
            f"random_search(objective, {space}, {n_trials}, seed={search_seed}) changed torch's global "
            "random state, which belongs to the caller (their model's initialisation, dropout, ...)",
            mistakes=catalogue.of("random_search"),
            recompute=runs,
            like=lambda run: not run["global_state_kept"] and run["calls"] == got["calls"],
            hint="draw from your own generator, torch.Generator().manual_seed(seed), and pass "
            "generator= to torch.rand",
        )


# -- cross_validate_ridge --------------------------------------------------------------------------

PENALTIES = [0.0, 0.1, 1.0, 10.0, 100.0]
FOLDS = [
    ("n10-k3", 10, 2, 3),
    ("n23-k5", 23, 4, 5),
    ("n12-k4", 12, 3, 4),
    ("leave-one-out-n7", 7, 2, 7),
]


@pytest.mark.inputs("cross validate ridge")
@pytest.mark.exercise("lesson5.cross_validate_ridge")
@pytest.mark.parametrize("n, d, k", [pytest.param(*case[1:], id=case[0]) for case in FOLDS])
def test_cross_validate_ridge(student, expect, gen, memo, dtype, n, d, k):
    x = gen.normal(n, d, dtype=dtype)
    y = x @ gen.normal(d, dtype=dtype) + gen.normal(n, dtype=dtype, scale=0.5)
    want = memo("reference", lambda: ref.cross_validate_ridge(x, y, PENALTIES, k=k))
    got = student.call(x, y, PENALTIES, k=k)
    what = describe_call("cross_validate_ridge", x, y, PENALTIES, k=k)
    expect.that(
        isinstance(got, (tuple, list)) and len(got) == 2,
        f"{what}: returned {describe(got)}, expected (best_penalty, mean_losses)",
    )
    expect.close(
        got[1],
        want[1],
        what=f"{what}: the mean validation loss of each penalty",
        mistakes=catalogue.of("cross_validate_ridge"),
        recompute=lambda wrong: wrong(x, y, PENALTIES, k=k)[1],
    )
    expect.close(
        got[0],
        want[0],
        what=f"{what}: the chosen penalty",
        hint="return the penalty whose mean loss is lowest",
    )


# (id, n, d, k, layouts of x and y): views built in the sandbox, and inputs that require grad.
FOLD_LAYOUTS = [
    ("transposed-x-sliced-y-k2", 10, 3, 2, ("transposed", "sliced")),
    ("requires-grad", 9, 2, 3, ("requires-grad", "requires-grad")),
    ("one-feature", 8, 1, 4, ("", "")),
]


@pytest.mark.inputs("cross validate ridge boundary inputs")
@pytest.mark.exercise("lesson5.cross_validate_ridge", weight=0.5)
@pytest.mark.parametrize(
    "n, d, k, layouts", [pytest.param(*case[1:], id=case[0]) for case in FOLD_LAYOUTS]
)
def test_cross_validate_ridge_boundary_inputs(student, expect, gen, dtype, n, d, k, layouts):
    x = gen.normal(n, d, dtype=dtype)
    y = x @ gen.normal(d, dtype=dtype) + gen.normal(n, dtype=dtype, scale=0.5)
    args = [with_layout(x, layouts[0]), with_layout(y, layouts[1])]
    want = ref.cross_validate_ridge(*args, PENALTIES, k=k)
    got = student.probe(
        "call_with_layouts", args=(x, y, PENALTIES), layouts=layouts, kwargs={"k": k}
    )
    shown = " and ".join(layout for layout in layouts if layout)
    what = describe_call("cross_validate_ridge", x, y, PENALTIES, k=k) + (
        f" (x and y: {shown})" if shown else ""
    )
    expect.that(
        isinstance(got, (tuple, list)) and len(got) == 2,
        f"{what}: returned {describe(got)}, expected (best_penalty, mean_losses)",
    )
    expect.close(
        got[1],
        want[1].detach(),
        what=f"{what}: the mean validation loss of each penalty",
        mistakes=catalogue.of("cross_validate_ridge"),
        recompute=lambda wrong: detached(wrong(*args, PENALTIES, k=k)[1]),
    )
    expect.close(got[0], want[0], what=f"{what}: the chosen penalty")


# -- expected_improvement -------------------------------------------------------------------------

# (id, shape, best, xi): every std > 0 here; the first mean is exactly best - xi (z = 0, a tie).
EI_CASES = [
    ("vector", (8,), 0.3, 0.0),
    ("matrix-with-xi", (3, 4), -0.5, 0.1),
    ("3d", (2, 3, 5), 1.0, 0.01),
]
STD_ZERO_RULE = (
    "where std is 0 the outcome is certain: EI is exactly max(best - xi - mean, 0) there"
)


@pytest.mark.inputs("expected improvement")
@pytest.mark.exercise("lesson5.expected_improvement", weight=3)
@pytest.mark.parametrize(
    "shape, best, xi", [pytest.param(*case[1:], id=case[0]) for case in EI_CASES]
)
def test_expected_improvement(student, expect, gen, dtype, shape, best, xi):
    mean = gen.normal(*shape, dtype=dtype, scale=2.0)
    std = gen.uniform(*shape, low=0.05, high=2.0, dtype=dtype)
    mean.reshape(-1)[0] = best - xi  # a tie: z = 0, EI = std * phi(0)
    check_expected_improvement(student, expect, mean, std, best, xi)


# (id, best, xi, what the means are): std is 0 everywhere but in "mixed", a documented special case
# graded on its own.
STD_ZERO_CASES = [
    ("below-the-best", 0.3, 0.05, "below"),
    ("tie", 0.3, 0.05, "tie"),
    ("above-the-best", -0.2, 0.0, "above"),
    ("mixed", 0.5, 0.1, "mixed"),
]


@pytest.mark.inputs("expected improvement where std is 0")
@pytest.mark.exercise("lesson5.expected_improvement", weight=1.5)
@pytest.mark.parametrize(
    "best, xi, means", [pytest.param(*case[1:], id=case[0]) for case in STD_ZERO_CASES]
)
def test_expected_improvement_where_std_is_0(student, expect, gen, dtype, best, xi, means):
    """A certain outcome: EI is the improvement when positive, else 0 (ties included), never nan."""
    std = torch.zeros(6, dtype=dtype, device=gen.device)
    offsets = gen.uniform(6, low=0.1, high=2.0, dtype=dtype)
    if means == "below":
        mean = best - xi - offsets
    elif means == "above":
        mean = best - xi + offsets
    elif means == "tie":
        mean = torch.full_like(std, best - xi)
    else:  # zeros beside positive std, with a tie, a mean below and one above the best
        mean = best - xi + gen.normal(6, dtype=dtype)
        mean[0], mean[1], mean[2] = best - xi, best - xi - 0.5, best - xi + 0.5
        std[3:] = offsets[3:]
    check_expected_improvement(student, expect, mean, std, best, xi, hint=STD_ZERO_RULE)


@pytest.mark.inputs("expected improvement far from the best")
@pytest.mark.exercise("lesson5.expected_improvement", weight=1)
def test_expected_improvement_far_from_the_best(student, expect, gen, dtype):
    """Means many standard deviations from the best: tiny or nearly certain improvements, never nan or negative."""
    std = gen.uniform(10, low=0.1, high=1.0, dtype=dtype)
    mean = 0.5 + std * torch.linspace(-12, 12, 10, dtype=dtype, device=gen.device)
    check_expected_improvement(student, expect, mean, std, 0.5, 0.0)


# (id, shape, layouts of mean and std): 0-dim and size-1 tensors, views, inputs that require grad.
EI_LAYOUTS = [
    ("0-dim", (), ("", "")),
    ("size-one-dims", (1, 3, 1), ("", "")),
    ("transposed", (3, 4), ("transposed", "transposed")),
    ("expanded-std", (4, 3), ("", "expanded")),
    ("sliced-mean", (5,), ("sliced", "")),
    ("requires-grad", (2, 3), ("requires-grad", "requires-grad")),
]


@pytest.mark.inputs("expected improvement boundary inputs")
@pytest.mark.exercise("lesson5.expected_improvement", weight=1)
@pytest.mark.parametrize(
    "shape, layouts", [pytest.param(*case[1:], id=case[0]) for case in EI_LAYOUTS]
)
def test_expected_improvement_boundary_inputs(student, expect, gen, dtype, shape, layouts):
    mean = gen.normal(*shape, dtype=dtype)
    std = gen.uniform(*shape, low=0.1, high=1.5, dtype=dtype)
    best, xi = 0.2, 0.05
    args = [with_layout(mean, layouts[0]), with_layout(std, layouts[1])]
    want = ref.expected_improvement(*args, best, xi=xi).detach()
    shown = [layout for layout in layouts if layout] or ["plain"]
    expect.close(
        student.probe(
            "call_with_layouts", args=(mean, std, best), layouts=layouts, kwargs={"xi": xi}
        ),
        want,
        what=describe_call("expected_improvement", *args, best, xi=xi)
        + f" (mean and std: {' and '.join(shown)})",
        mistakes=catalogue.of("expected_improvement"),
        recompute=lambda wrong: detached(wrong(*args, best, xi=xi)),
    )


def detached(value):
    return value.detach() if isinstance(value, torch.Tensor) else value


def check_expected_improvement(student, expect, mean, std, best, xi, hint=""):
    """``hint`` (a rule about std = 0) is shown only when the entries where std > 0 are right."""
    zeros = int((std == 0).sum())
    got, want = (
        student.call(mean, std, best, xi=xi),
        ref.expected_improvement(mean, std, best, xi=xi),
    )
    if hint and zeros < std.numel():
        uncertain = std > 0
        try:
            right_elsewhere = (
                difference(got[uncertain], want[uncertain], expect.tolerance(want)) is None
            )
        except Exception:  # not a tensor of the right shape: nothing to tell apart
            right_elsewhere = False
        hint = hint if right_elsewhere else ""
    expect.close(
        got,
        want,
        what=describe_call("expected_improvement", mean, std, best, xi=xi)
        + (f" ({zeros} std entries are 0)" if zeros else ""),
        mistakes=catalogue.of("expected_improvement"),
        recompute=lambda wrong: wrong(mean, std, best, xi=xi),
        hint=hint,
    )
