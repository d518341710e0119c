"""Lesson 2: choosing the batch size.

Mini-batch gradient descent estimates the gradient of the mean loss over all N examples
from a batch of B of them.  The batch size trades four things:

- computational efficiency: a batch is processed by the same few tensor operations whatever
  B is, so the hardware does B examples in little more time than one until it is saturated
  (GPUs want batches in the hundreds).  That only works when per-example work is written as
  tensor operations over the batch, never as a Python loop (``per_example_gradients``);
- statistical properties: the batch gradient is an unbiased estimate of the full gradient
  whose variance falls like 1/B, and to exactly zero at B = N (``minibatch_gradient_variance``);
- training dynamics: small batches take many noisy steps per epoch, large batches few
  precise ones.  The noise scale is roughly lr / B, which is why the *linear scaling rule*
  multiplies the learning rate by k when the batch grows k times;
- memory constraints: activations grow linearly with B and must fit beside the parameters,
  their gradients and the optimizer's state (``max_batch_size``).

Run ``pytest lesson2`` to test your work.
"""

import torch


def per_example_gradients(X, y, w, b):
    """The gradient of each example's squared error, for all examples at once.

    For linear regression with prediction ``x_i·w + b``, example i's loss is
    ``l_i = (x_i·w + b - y_i)²`` and its gradients are ``∂l_i/∂w = 2 r_i x_i`` and
    ``∂l_i/∂b = 2 r_i`` with residual ``r_i = x_i·w + b - y_i``.  Their mean over a batch is
    the batch gradient; the spread between them is the gradient noise
    (``minibatch_gradient_variance``).

    Compute them with tensor operations over the whole batch, never a Python loop over the
    examples: the grader counts the tensor operations your code runs and expects the same
    number for 3 examples as for 48.  (On a GPU every operation is a kernel launch of a few
    microseconds; a loop over B examples pays it B times.)

    Args:
        X: inputs of shape (N, D).
        y: targets of shape (N,).
        w: weights of shape (D,).
        b: the bias, a 0-dim tensor.

    Returns:
        ``(grad_w, grad_b)`` of shapes (N, D) and (N,), in the inputs' dtype and device.
    """
    # YOUR CODE HERE
    raise NotImplementedError("per_example_gradients is not implemented yet")


def minibatch_gradient_variance(per_example_grads, batch_size):
    """How noisy a mini-batch gradient is: its expected squared distance from the full gradient.

    Let ``g_1 .. g_N`` be the per-example gradients (rows of ``per_example_grads``), ``ḡ``
    their mean (the full-batch gradient) and ``σ² = (1/N) Σ_i |g_i - ḡ|²`` their spread.  A
    batch of B distinct examples drawn uniformly *without replacement* has mean gradient
    ``ĝ_B`` with ``E[ĝ_B] = ḡ`` (unbiased) and

        E |ĝ_B - ḡ|² = (σ² / B) * (N - B) / (N - 1)

    The 1/B is the familiar law of averages; the finite-population correction
    ``(N - B) / (N - 1)`` makes the noise vanish at B = N (full-batch gradient descent is
    deterministic).  Quadrupling the batch halves the gradient's standard deviation: larger
    batches give diminishing returns per example.

    Args:
        per_example_grads: (N, P) tensor, one flattened gradient per example, N >= 2.
        batch_size: B, an int with 1 <= B <= N.

    Returns:
        ``E |ĝ_B - ḡ|²`` as a 0-dim tensor in the input's dtype and device.
    """
    # YOUR CODE HERE
    raise NotImplementedError("minibatch_gradient_variance is not implemented yet")


def max_batch_size(model, sample_shape, memory_budget, optimizer_slots=0):
    """The largest batch size whose training step fits in ``memory_budget`` bytes.

    Use this memory model of one training step of an ``nn.Sequential`` model:

    - fixed cost: every parameter value is stored once, its gradient once more, and the
      optimizer keeps ``optimizer_slots`` more values per parameter (0 for plain SGD, 1 for
      SGD with momentum, 2 for Adam's ``exp_avg`` and ``exp_avg_sq``);
    - cost per example: the input sample itself plus the output of every layer of the
      ``Sequential``, which backpropagation keeps until the backward pass.  Count their
      elements by running one sample (a batch of one, shape ``(1, *sample_shape)``) through
      the layers one by one, under ``torch.no_grad()``;
    - every value takes ``element_size()`` bytes of the parameters' dtype (4 for float32,
      8 for float64).

    A batch of B fits when ``fixed + B * per_example <= memory_budget``.  Real frameworks keep
    slightly different tensors (and the allocator rounds sizes up), but the shape of the
    answer is the same: memory is a fixed cost plus a cost linear in B.  On a GPU, measure it
    with ``torch.cuda.max_memory_allocated()``.

    Args:
        model: an ``nn.Sequential`` whose parameters all share one dtype.
        sample_shape: the shape of one input example, e.g. ``(3, 32, 32)``.
        memory_budget: bytes available, an int.
        optimizer_slots: values the optimizer stores per parameter.

    Returns:
        The largest such B as an int, 0 when not even one example fits.
    """
    # YOUR CODE HERE
    raise NotImplementedError("max_batch_size is not implemented yet")
