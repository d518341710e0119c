"""A training step that takes a parameter out of the dict it was given (appended to the solution)."""

_solution_step = mlp_train_step  # noqa: F821 (the solution's, defined above this file when laid over it)


def mlp_train_step(x, y, params, lr):
    loss = _solution_step(x, y, params, lr)
    params.pop("b2")
    return loss
