"""Plausible wrong implementations of lesson5/optimizers.py (see graders/grading/mistakes.py)."""

import torch

from graders.api import Catalogue

catalogue = Catalogue()

# -- adam_step -------------------------------------------------------------------------------


@catalogue.mistake(
    "adam_step",
    "weight decay added into the caller's gradient (grad.add_(param, alpha=weight_decay))",
    "the gradient belongs to the caller (it is param.grad in a training loop): add the decay "
    "into a new tensor, grad = grad + weight_decay * param",
)
def adam_decay_into_grad(
    param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0
):
    beta1, beta2 = betas
    with torch.no_grad():
        if not state:
            state.update(
                step=0, exp_avg=torch.zeros_like(param), exp_avg_sq=torch.zeros_like(param)
            )
        state["step"] += 1
        if weight_decay != 0:
            grad.add_(param, alpha=weight_decay)
        state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
        state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        step = state["step"]
        denom = (state["exp_avg_sq"] / (1 - beta2**step)).sqrt().add_(eps)
        param.addcdiv_(state["exp_avg"], denom, value=-lr / (1 - beta1**step))


@catalogue.mistake(
    "adam_step",
    "Adam without bias correction",
    "the moments start at 0, so divide exp_avg by 1 - beta1**t and exp_avg_sq by 1 - beta2**t",
)
def adam_no_bias_correction(
    param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0
):
    beta1, beta2 = betas
    with torch.no_grad():
        if not state:
            state.update(
                step=0, exp_avg=torch.zeros_like(param), exp_avg_sq=torch.zeros_like(param)
            )
        state["step"] += 1
        grad = grad + weight_decay * param
        state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
        state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        param.addcdiv_(state["exp_avg"], state["exp_avg_sq"].sqrt() + eps, value=-lr)


@catalogue.mistake(
    "adam_step",
    "eps inside the square root",
    "the denominator is sqrt(exp_avg_sq / bias_correction2) + eps: add eps after the root",
)
def adam_eps_inside_sqrt(
    param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0
):
    beta1, beta2 = betas
    with torch.no_grad():
        if not state:
            state.update(
                step=0, exp_avg=torch.zeros_like(param), exp_avg_sq=torch.zeros_like(param)
            )
        state["step"] += 1
        t = state["step"]
        grad = grad + weight_decay * param
        state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
        state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = (state["exp_avg_sq"] / (1 - beta2**t) + eps).sqrt()
        param.addcdiv_(state["exp_avg"], denom, value=-lr / (1 - beta1**t))


@catalogue.mistake(
    "adam_step",
    "decoupled (AdamW) weight decay",
    "torch.optim.Adam adds weight_decay * param to the gradient before the moments; shrinking the "
    "parameter directly is AdamW",
)
def adam_decoupled_weight_decay(
    param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0
):
    beta1, beta2 = betas
    with torch.no_grad():
        if not state:
            state.update(
                step=0, exp_avg=torch.zeros_like(param), exp_avg_sq=torch.zeros_like(param)
            )
        state["step"] += 1
        t = state["step"]
        param.mul_(1 - lr * weight_decay)
        state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
        state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = (state["exp_avg_sq"] / (1 - beta2**t)).sqrt() + eps
        param.addcdiv_(state["exp_avg"], denom, value=-lr / (1 - beta1**t))


@catalogue.mistake(
    "adam_step",
    "an off-by-one step counter (t = 2 on the first step)",
    "start state['step'] at 0 and add 1 before the bias corrections, so the first step uses t = 1",
)
def adam_counter_starts_at_one(
    param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0
):
    beta1, beta2 = betas
    with torch.no_grad():
        if not state:
            state.update(
                step=1, exp_avg=torch.zeros_like(param), exp_avg_sq=torch.zeros_like(param)
            )
        state["step"] += 1
        t = state["step"]
        grad = grad + weight_decay * param
        state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
        state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = (state["exp_avg_sq"] / (1 - beta2**t)).sqrt() + eps
        param.addcdiv_(state["exp_avg"], denom, value=-lr / (1 - beta1**t))


@catalogue.mistake(
    "adam_step",
    "bias corrections computed before the step counter is incremented (t = 0 on the first step)",
    "1 - beta**0 is 0, a division by zero: increment state['step'] first, then compute the corrections",
)
def adam_counter_incremented_late(
    param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0
):
    beta1, beta2 = betas
    with torch.no_grad():
        if not state:
            state.update(
                step=0, exp_avg=torch.zeros_like(param), exp_avg_sq=torch.zeros_like(param)
            )
        t = state["step"]
        grad = grad + weight_decay * param
        state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
        state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = (state["exp_avg_sq"] / (1 - beta2**t)).sqrt() + eps
        param.addcdiv_(state["exp_avg"], denom, value=-lr / (1 - beta1**t))
        state["step"] += 1


@catalogue.mistake(
    "adam_step",
    "a new tensor returned instead of updating the parameter in place",
    "the caller keeps using its own tensor and ignores the return value: change it in place "
    "(param.addcdiv_(...)) under torch.no_grad()",
)
def adam_returns_new_tensor(
    param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0
):
    beta1, beta2 = betas
    with torch.no_grad():
        if not state:
            state.update(
                step=0, exp_avg=torch.zeros_like(param), exp_avg_sq=torch.zeros_like(param)
            )
        state["step"] += 1
        t = state["step"]
        grad = grad + weight_decay * param
        state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
        state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = (state["exp_avg_sq"] / (1 - beta2**t)).sqrt() + eps
        return param - lr / (1 - beta1**t) * state["exp_avg"] / denom


@catalogue.mistake(
    "adam_step",
    "a state dict rebound instead of filled (state = {...})",
    "assigning to the name state makes a new local dict the caller never sees, so every step is the first: "
    "fill the caller's dict (state['exp_avg'] = ...)",
)
def adam_rebinds_state(
    param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0
):
    beta1, beta2 = betas
    with torch.no_grad():
        if not state:
            state = {
                "step": 0,
                "exp_avg": torch.zeros_like(param),
                "exp_avg_sq": torch.zeros_like(param),
            }
        state["step"] += 1
        t = state["step"]
        grad = grad + weight_decay * param
        state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
        state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = (state["exp_avg_sq"] / (1 - beta2**t)).sqrt() + eps
        param.addcdiv_(state["exp_avg"], denom, value=-lr / (1 - beta1**t))


@catalogue.mistake(
    "adam_step",
    "an in-place update outside torch.no_grad()",
    "autograd refuses in-place changes of a leaf that requires grad: put the update inside with torch.no_grad():",
)
def adam_without_no_grad(
    param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0
):
    beta1, beta2 = betas
    if not state:
        state.update(step=0, exp_avg=torch.zeros_like(param), exp_avg_sq=torch.zeros_like(param))
    state["step"] += 1
    t = state["step"]
    grad = grad + weight_decay * param.detach()
    state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
    state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    denom = (state["exp_avg_sq"] / (1 - beta2**t)).sqrt() + eps
    param.addcdiv_(state["exp_avg"], denom, value=-lr / (1 - beta1**t))


@catalogue.mistake(
    "adam_step",
    "param.data rebound to a new tensor instead of an in-place update",
    "param.data = ... swaps the storage under the parameter, breaking views and anything holding the old storage: "
    "update in place, param.addcdiv_(...) under torch.no_grad()",
)
def adam_rebinds_data(
    param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0
):
    beta1, beta2 = betas
    if not state:
        state.update(step=0, exp_avg=torch.zeros_like(param), exp_avg_sq=torch.zeros_like(param))
    state["step"] += 1
    t = state["step"]
    grad = grad + weight_decay * param.data
    state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
    state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    denom = (state["exp_avg_sq"] / (1 - beta2**t)).sqrt() + eps
    param.data = param.data - lr / (1 - beta1**t) * state["exp_avg"] / denom


@catalogue.mistake(
    "adam_step",
    'Kingma & Ba\'s "efficient" Adam, with eps added before the bias correction',
    "torch.optim.Adam divides by sqrt(exp_avg_sq / (1 - beta2**t)) + eps; the paper's "
    "lr * sqrt(1 - beta2**t) / (1 - beta1**t) * exp_avg / (sqrt(exp_avg_sq) + eps) scales eps too",
)
def adam_efficient_form(
    param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0
):
    beta1, beta2 = betas
    with torch.no_grad():
        if not state:
            state.update(
                step=0, exp_avg=torch.zeros_like(param), exp_avg_sq=torch.zeros_like(param)
            )
        state["step"] += 1
        t = state["step"]
        grad = grad + weight_decay * param
        state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
        state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        step_size = lr * (1 - beta2**t) ** 0.5 / (1 - beta1**t)
        param.addcdiv_(state["exp_avg"], state["exp_avg_sq"].sqrt() + eps, value=-step_size)


@catalogue.mistake(
    "adam_step",
    "betas hard-coded as (0.9, 0.999) (the betas argument ignored)",
    "take beta1, beta2 = betas from the argument: the caller may pass other values",
)
def adam_hardcoded_betas(
    param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0
):
    beta1, beta2 = 0.9, 0.999
    with torch.no_grad():
        if not state:
            state.update(
                step=0, exp_avg=torch.zeros_like(param), exp_avg_sq=torch.zeros_like(param)
            )
        state["step"] += 1
        t = state["step"]
        grad = grad + weight_decay * param
        state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
        state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = (state["exp_avg_sq"] / (1 - beta2**t)).sqrt() + eps
        param.addcdiv_(state["exp_avg"], denom, value=-lr / (1 - beta1**t))


@catalogue.mistake(
    "adam_step",
    "eps hard-coded as 1e-8 (the eps argument ignored)",
    "add the eps the caller passes, not a constant",
)
def adam_hardcoded_eps(
    param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0
):
    beta1, beta2 = betas
    with torch.no_grad():
        if not state:
            state.update(
                step=0, exp_avg=torch.zeros_like(param), exp_avg_sq=torch.zeros_like(param)
            )
        state["step"] += 1
        t = state["step"]
        grad = grad + weight_decay * param
        state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
        state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = (state["exp_avg_sq"] / (1 - beta2**t)).sqrt() + 1e-8
        param.addcdiv_(state["exp_avg"], denom, value=-lr / (1 - beta1**t))


@catalogue.mistake(
    "adam_step",
    "d2l.ai's Adam, with betas (0.9, 0.999) and eps = 1e-6 hard-coded",
    "take betas and eps from the arguments (torch's default eps is 1e-8, not 1e-6)",
)
def adam_d2l(param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    beta1, beta2, eps = 0.9, 0.999, 1e-6
    with torch.no_grad():
        if not state:
            state.update(
                step=0, exp_avg=torch.zeros_like(param), exp_avg_sq=torch.zeros_like(param)
            )
        state["step"] += 1
        t = state["step"]
        grad = grad + weight_decay * param
        state["exp_avg"][:] = beta1 * state["exp_avg"] + (1 - beta1) * grad
        state["exp_avg_sq"][:] = beta2 * state["exp_avg_sq"] + (1 - beta2) * torch.square(grad)
        v_bias_corr = state["exp_avg"] / (1 - beta1**t)
        s_bias_corr = state["exp_avg_sq"] / (1 - beta2**t)
        param[:] -= lr * v_bias_corr / (torch.sqrt(s_bias_corr) + eps)


# -- rmsprop_step ----------------------------------------------------------------------------


@catalogue.mistake(
    "rmsprop_step",
    "eps inside the square root",
    "the denominator is sqrt(square_avg) + eps: add eps after the root",
)
def rmsprop_eps_inside_sqrt(
    param,
    grad,
    state,
    *,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
):
    with torch.no_grad():
        if not state:
            state.update(
                step=0,
                square_avg=torch.zeros_like(param),
                momentum_buffer=torch.zeros_like(param),
                grad_avg=torch.zeros_like(param),
            )
        state["step"] += 1
        grad = grad + weight_decay * param
        state["square_avg"].mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        variance = state["square_avg"]
        if centered:
            state["grad_avg"].mul_(alpha).add_(grad, alpha=1 - alpha)
            variance = variance - state["grad_avg"] ** 2
        avg = (variance + eps).sqrt()
        if momentum > 0:
            state["momentum_buffer"].mul_(momentum).addcdiv_(grad, avg)
            param.add_(state["momentum_buffer"], alpha=-lr)
        else:
            param.addcdiv_(grad, avg, value=-lr)


@catalogue.mistake(
    "rmsprop_step",
    "centered ignored",
    "with centered=True keep grad_avg, the running mean of g, and divide by sqrt(square_avg - grad_avg**2) + eps",
)
def rmsprop_ignores_centered(
    param,
    grad,
    state,
    *,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
):
    with torch.no_grad():
        if not state:
            state.update(
                step=0, square_avg=torch.zeros_like(param), momentum_buffer=torch.zeros_like(param)
            )
        state["step"] += 1
        grad = grad + weight_decay * param
        state["square_avg"].mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        avg = state["square_avg"].sqrt() + eps
        if momentum > 0:
            state["momentum_buffer"].mul_(momentum).addcdiv_(grad, avg)
            param.add_(state["momentum_buffer"], alpha=-lr)
        else:
            param.addcdiv_(grad, avg, value=-lr)


@catalogue.mistake(
    "rmsprop_step",
    "momentum ignored",
    "with momentum > 0 keep momentum_buffer = momentum * momentum_buffer + g / avg and step by -lr * momentum_buffer",
)
def rmsprop_ignores_momentum(
    param,
    grad,
    state,
    *,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
):
    with torch.no_grad():
        if not state:
            state.update(
                step=0, square_avg=torch.zeros_like(param), grad_avg=torch.zeros_like(param)
            )
        state["step"] += 1
        grad = grad + weight_decay * param
        state["square_avg"].mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        variance = state["square_avg"]
        if centered:
            state["grad_avg"].mul_(alpha).add_(grad, alpha=1 - alpha)
            variance = variance - state["grad_avg"] ** 2
        param.addcdiv_(grad, variance.sqrt() + eps, value=-lr)


@catalogue.mistake(
    "rmsprop_step",
    "alpha and 1 - alpha swapped",
    "alpha weighs the old average: square_avg = alpha * square_avg + (1 - alpha) * g * g",
)
def rmsprop_swapped_alpha(
    param,
    grad,
    state,
    *,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
):
    with torch.no_grad():
        if not state:
            state.update(
                step=0,
                square_avg=torch.zeros_like(param),
                momentum_buffer=torch.zeros_like(param),
                grad_avg=torch.zeros_like(param),
            )
        state["step"] += 1
        grad = grad + weight_decay * param
        state["square_avg"].mul_(1 - alpha).addcmul_(grad, grad, value=alpha)
        variance = state["square_avg"]
        if centered:
            state["grad_avg"].mul_(1 - alpha).add_(grad, alpha=alpha)
            variance = variance - state["grad_avg"] ** 2
        avg = variance.sqrt() + eps
        if momentum > 0:
            state["momentum_buffer"].mul_(momentum).addcdiv_(grad, avg)
            param.add_(state["momentum_buffer"], alpha=-lr)
        else:
            param.addcdiv_(grad, avg, value=-lr)


@catalogue.mistake(
    "rmsprop_step",
    "an Adam-style bias correction of square_avg",
    "torch's RMSprop has no bias correction: divide by sqrt(square_avg) + eps as it is",
)
def rmsprop_bias_corrected(
    param,
    grad,
    state,
    *,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
):
    with torch.no_grad():
        if not state:
            state.update(
                step=0,
                square_avg=torch.zeros_like(param),
                momentum_buffer=torch.zeros_like(param),
                grad_avg=torch.zeros_like(param),
            )
        state["step"] += 1
        grad = grad + weight_decay * param
        state["square_avg"].mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        variance = state["square_avg"]
        if centered:
            state["grad_avg"].mul_(alpha).add_(grad, alpha=1 - alpha)
            variance = variance - state["grad_avg"] ** 2
        avg = (variance / (1 - alpha ** state["step"])).sqrt() + eps
        if momentum > 0:
            state["momentum_buffer"].mul_(momentum).addcdiv_(grad, avg)
            param.add_(state["momentum_buffer"], alpha=-lr)
        else:
            param.addcdiv_(grad, avg, value=-lr)


@catalogue.mistake(
    "rmsprop_step",
    "decoupled weight decay (param shrunk directly)",
    "torch.optim.RMSprop adds weight_decay * param to the gradient, before square_avg",
)
def rmsprop_decoupled_weight_decay(
    param,
    grad,
    state,
    *,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
):
    with torch.no_grad():
        if not state:
            state.update(
                step=0,
                square_avg=torch.zeros_like(param),
                momentum_buffer=torch.zeros_like(param),
                grad_avg=torch.zeros_like(param),
            )
        state["step"] += 1
        param.mul_(1 - lr * weight_decay)
        state["square_avg"].mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        variance = state["square_avg"]
        if centered:
            state["grad_avg"].mul_(alpha).add_(grad, alpha=1 - alpha)
            variance = variance - state["grad_avg"] ** 2
        avg = variance.sqrt() + eps
        if momentum > 0:
            state["momentum_buffer"].mul_(momentum).addcdiv_(grad, avg)
            param.add_(state["momentum_buffer"], alpha=-lr)
        else:
            param.addcdiv_(grad, avg, value=-lr)


@catalogue.mistake(
    "rmsprop_step",
    "the centered variance without squaring the mean gradient",
    "the running variance is square_avg - grad_avg ** 2 (a mean of squares minus a squared mean)",
)
def rmsprop_centered_unsquared(
    param,
    grad,
    state,
    *,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
):
    with torch.no_grad():
        if not state:
            state.update(
                step=0,
                square_avg=torch.zeros_like(param),
                momentum_buffer=torch.zeros_like(param),
                grad_avg=torch.zeros_like(param),
            )
        state["step"] += 1
        grad = grad + weight_decay * param
        state["square_avg"].mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        variance = state["square_avg"]
        if centered:
            state["grad_avg"].mul_(alpha).add_(grad, alpha=1 - alpha)
            variance = (variance - state["grad_avg"]).abs()
        avg = variance.sqrt() + eps
        if momentum > 0:
            state["momentum_buffer"].mul_(momentum).addcdiv_(grad, avg)
            param.add_(state["momentum_buffer"], alpha=-lr)
        else:
            param.addcdiv_(grad, avg, value=-lr)


@catalogue.mistake(
    "rmsprop_step",
    "a new tensor returned instead of updating the parameter in place",
    "the caller keeps using its own tensor and ignores the return value: change it in place under torch.no_grad()",
)
def rmsprop_returns_new_tensor(
    param,
    grad,
    state,
    *,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
):
    with torch.no_grad():
        if not state:
            state.update(
                step=0,
                square_avg=torch.zeros_like(param),
                momentum_buffer=torch.zeros_like(param),
                grad_avg=torch.zeros_like(param),
            )
        state["step"] += 1
        grad = grad + weight_decay * param
        state["square_avg"].mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        variance = state["square_avg"]
        if centered:
            state["grad_avg"].mul_(alpha).add_(grad, alpha=1 - alpha)
            variance = variance - state["grad_avg"] ** 2
        avg = variance.sqrt() + eps
        if momentum > 0:
            state["momentum_buffer"].mul_(momentum).addcdiv_(grad, avg)
            return param - lr * state["momentum_buffer"]
        return param - lr * grad / avg


@catalogue.mistake(
    "rmsprop_step",
    "alpha hard-coded as 0.99 (the alpha argument ignored)",
    "use the alpha the caller passes as the weight of the old average",
)
def rmsprop_hardcoded_alpha(
    param,
    grad,
    state,
    *,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
):
    alpha = 0.99  # the argument ignored
    with torch.no_grad():
        if not state:
            state.update(step=0, square_avg=torch.zeros_like(param))
            if momentum > 0:
                state["momentum_buffer"] = torch.zeros_like(param)
            if centered:
                state["grad_avg"] = torch.zeros_like(param)
        state["step"] += 1
        grad = grad + weight_decay * param
        state["square_avg"].mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        variance = state["square_avg"]
        if centered:
            state["grad_avg"].mul_(alpha).add_(grad, alpha=1 - alpha)
            variance = variance - state["grad_avg"] ** 2
        avg = variance.sqrt() + eps
        if momentum > 0:
            state["momentum_buffer"].mul_(momentum).addcdiv_(grad, avg)
            param.add_(state["momentum_buffer"], alpha=-lr)
        else:
            param.addcdiv_(grad, avg, value=-lr)


@catalogue.mistake(
    "rmsprop_step",
    "eps hard-coded as 1e-8 (the eps argument ignored)",
    "add the eps the caller passes, not a constant",
)
def rmsprop_hardcoded_eps(
    param,
    grad,
    state,
    *,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
):
    eps = 1e-8  # the argument ignored
    with torch.no_grad():
        if not state:
            state.update(step=0, square_avg=torch.zeros_like(param))
            if momentum > 0:
                state["momentum_buffer"] = torch.zeros_like(param)
            if centered:
                state["grad_avg"] = torch.zeros_like(param)
        state["step"] += 1
        grad = grad + weight_decay * param
        state["square_avg"].mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        variance = state["square_avg"]
        if centered:
            state["grad_avg"].mul_(alpha).add_(grad, alpha=1 - alpha)
            variance = variance - state["grad_avg"] ** 2
        avg = variance.sqrt() + eps
        if momentum > 0:
            state["momentum_buffer"].mul_(momentum).addcdiv_(grad, avg)
            param.add_(state["momentum_buffer"], alpha=-lr)
        else:
            param.addcdiv_(grad, avg, value=-lr)


@catalogue.mistake(
    "rmsprop_step",
    "d2l.ai's RMSprop, dividing by sqrt(square_avg + 1e-6) (eps hard-coded, inside the root)",
    "the denominator is sqrt(square_avg) + eps, with the eps the caller passes (1e-8 by default)",
)
def rmsprop_d2l(
    param,
    grad,
    state,
    *,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
):
    eps = 1e-6  # d2l.ai: gamma, eps = hyperparams["gamma"], 1e-6
    with torch.no_grad():
        if not state:
            state.update(step=0, square_avg=torch.zeros_like(param))
            if momentum > 0:
                state["momentum_buffer"] = torch.zeros_like(param)
            if centered:
                state["grad_avg"] = torch.zeros_like(param)
        state["step"] += 1
        grad = grad + weight_decay * param
        state["square_avg"].mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        variance = state["square_avg"]
        if centered:
            state["grad_avg"].mul_(alpha).add_(grad, alpha=1 - alpha)
            variance = variance - state["grad_avg"] ** 2
        avg = (variance + eps).sqrt()
        if momentum > 0:
            state["momentum_buffer"].mul_(momentum).addcdiv_(grad, avg)
            param.add_(state["momentum_buffer"], alpha=-lr)
        else:
            param.addcdiv_(grad, avg, value=-lr)


# -- correct variants ------------------------------------------------------------------------


@catalogue.variant("adam_step", "torch's own single-tensor form: lerp_ and sqrt(bias_correction2)")
def adam_lerp_form(param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    beta1, beta2 = betas
    with torch.no_grad():
        if len(state) == 0:
            state["step"] = 0
            state["exp_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)
            state["exp_avg_sq"] = torch.zeros_like(param, memory_format=torch.preserve_format)
        state["step"] += 1
        step = state["step"]
        if weight_decay:
            grad = grad.add(param, alpha=weight_decay)
        state["exp_avg"].lerp_(grad, 1 - beta1)
        state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad.conj(), value=1 - beta2)
        bias_correction1 = 1 - beta1**step
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        denom = (state["exp_avg_sq"].sqrt() / bias_correction2_sqrt).add_(eps)
        param.addcdiv_(state["exp_avg"], denom, value=-lr / bias_correction1)


@catalogue.variant("rmsprop_step", "torch._foreach_ operations on one-tensor lists")
def rmsprop_foreach_form(
    param,
    grad,
    state,
    *,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
):
    with torch.no_grad():
        if not state:
            state["step"] = 0
            state["square_avg"] = torch.zeros_like(param)
            if momentum > 0:
                state["momentum_buffer"] = torch.zeros_like(param)
            if centered:
                state["grad_avg"] = torch.zeros_like(param)
        state["step"] += 1
        grads = [grad]
        if weight_decay != 0:
            grads = torch._foreach_add(grads, [param], alpha=weight_decay)
        square_avgs = [state["square_avg"]]
        torch._foreach_mul_(square_avgs, alpha)
        torch._foreach_addcmul_(square_avgs, grads, grads, value=1 - alpha)
        if centered:
            grad_avgs = [state["grad_avg"]]
            torch._foreach_lerp_(grad_avgs, grads, 1 - alpha)
            avgs = torch._foreach_addcmul(square_avgs, grad_avgs, grad_avgs, value=-1)
            torch._foreach_sqrt_(avgs)
        else:
            avgs = torch._foreach_sqrt(square_avgs)
        torch._foreach_add_(avgs, eps)
        if momentum > 0:
            buffers = [state["momentum_buffer"]]
            torch._foreach_mul_(buffers, momentum)
            torch._foreach_addcdiv_(buffers, grads, avgs)
            torch._foreach_add_([param], buffers, alpha=-lr)
        else:
            torch._foreach_addcdiv_([param], grads, avgs, value=-lr)
