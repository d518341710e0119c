"""A tiny scalar autograd engine: the chain rule on a computational graph (after micrograd).

Every ``Value`` holds one number (``data``), the derivative of the final output with
respect to it (``grad``), the values it was computed from (``_prev``) and a closure
(``_backward``) that applies the chain rule for the operation that produced it:

    out = a * b          # forward: out.data = a.data * b.data
    a.grad += b.data * out.grad   # backward: d(out)/d(a) = b, times what flows into out
    b.grad += a.data * out.grad

``backward()`` on the final output sets its ``grad`` to 1 (d out / d out), then calls every
node's ``_backward`` so that a node sends its gradient on only after *all* the nodes that
use it have sent theirs: the reverse of a topological order of the graph.  That is exactly
what ``loss.backward()`` does in PyTorch, on tensors instead of scalars.

Two rules that students most often break:

- **accumulate** (``+=``), never assign: a value used twice (``a * a``, or ``b`` feeding two
  later nodes) receives one contribution from each use, and the chain rule adds them;
- **order matters**: a node's ``_backward`` may run only once its own ``grad`` is complete.

Implement the methods marked below with plain Python arithmetic and the ``math`` module
(PyTorch's autograd is forbidden here: you are writing it).  The other operators
(``-``, ``/``, reflected ``+`` and ``*``) are built from yours and are already done.
"""

import math


class Value:
    """A scalar in a computational graph; ``backward()`` fills ``grad`` on every node of the graph.

    Attributes:
        data: the number this node holds (a Python float).
        grad: d(output)/d(this node) after ``output.backward()``; 0.0 before.
        _prev: the nodes this one was computed from (its children in the graph).
        _op: the operation that made it, for printing graphs ("+", "*", "tanh", ...).
    """

    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None  # a leaf has nothing to send further back
        self._prev = tuple(_children)
        self._op = _op

    def __add__(self, other):
        """``self + other`` (``other`` a Value or a number); local derivatives 1 and 1."""
        ### BEGIN SOLUTION
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    def __mul__(self, other):
        """``self * other``; the derivative with respect to each factor is the *other* factor."""
        ### BEGIN SOLUTION
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    def __pow__(self, exponent):
        """``self ** exponent`` for a number ``exponent`` (int or float): d/dx x**n = n * x**(n - 1)."""
        ### BEGIN SOLUTION
        assert isinstance(exponent, (int, float)), "only numbers as exponents"
        out = Value(self.data**exponent, (self,), f"**{exponent}")

        def _backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    def exp(self):
        """``e ** self``: its derivative is itself, so reuse ``out.data``."""
        ### BEGIN SOLUTION
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    def tanh(self):
        """``tanh(self)``: d/dx tanh(x) = 1 - tanh(x) ** 2, written with the *output* t = tanh(x)."""
        ### BEGIN SOLUTION
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    def relu(self):
        """``max(0, self)``: gradient 1 where the input is positive, 0 elsewhere (0 at exactly 0, as torch)."""
        ### BEGIN SOLUTION
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            self.grad += (self.data > 0) * out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    def backward(self):
        """Fill ``grad`` on every node this one depends on: d(self)/d(node).

        Seed ``self.grad = 1``, list the graph's nodes in topological order (every node after
        the nodes it was computed from: a depth-first search that appends a node once all
        its children are in), and call ``_backward`` on them in *reverse* order.
        """
        ### BEGIN SOLUTION
        order, visited = [], set()

        def visit(node):
            if node not in visited:
                visited.add(node)
                for child in node._prev:
                    visit(child)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()
        ### END SOLUTION

    # -- built from the operations above ------------------------------------------------

    def __neg__(self):  # -self
        return self * -1

    def __radd__(self, other):  # other + self
        return self + other

    def __sub__(self, other):  # self - other
        return self + (-other)

    def __rsub__(self, other):  # other - self
        return other + (-self)

    def __rmul__(self, other):  # other * self
        return self * other

    def __truediv__(self, other):  # self / other
        return self * other**-1

    def __rtruediv__(self, other):  # other / self
        return other * self**-1

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"
