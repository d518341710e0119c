"""Plausible wrong implementations of lesson4/engine.py's Value (see graders/grading/mistakes.py).

Each mistake subclasses the reference ``Value`` and overrides the one method it gets wrong.
The reference's methods build their results with the module-level name ``Value``, so a
mistake behaves as written only in a module where ``Value`` names it: a mutant (the
solution file with the class appended and ``Value`` rebound to it, see ``Mistake.source``).
The grader runs each mistake exactly that way (``as_submitted`` in test_engine.py).
"""

import math

from graders.api import Catalogue, load_reference

catalogue = Catalogue()
Value = load_reference("lesson4.engine").Value


@catalogue.mistake(
    "Value",
    "gradients assigned (=) instead of accumulated (+=)",
    "a node used twice receives one contribution per use: self.grad += ... * out.grad",
)
class ValueAssignsGradients(Value):
    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad = out.grad
            other.grad = out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad = other.data * out.grad
            other.grad = self.data * out.grad

        out._backward = _backward
        return out


@catalogue.mistake(
    "Value",
    "a backward pass that follows every path from the output instead of a topological order",
    "a node must send its gradient on once, after every node that uses it has sent its own: "
    "sort the graph topologically and call _backward in reverse order",
)
class ValueWalksEveryPath(Value):
    def backward(self):
        def send(node):
            node._backward()
            for child in node._prev:
                send(child)

        self.grad = 1.0
        send(self)


@catalogue.mistake(
    "Value",
    "the topological order walked forwards (inputs first) instead of in reverse",
    "the output's gradient is known first: call _backward on the nodes in reversed(topological order)",
)
class ValueForwardOrder(Value):
    def backward(self):
        order, visited = [], set()

        def visit(node):
            if node not in visited:
                visited.add(node)
                for child in node._prev:
                    visit(child)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in order:
            node._backward()


@catalogue.mistake(
    "Value",
    "an iterative depth-first search that marks nodes as visited when pushed, not when expanded",
    "a node first pushed as one node's child and reached again through another is then listed too early: "
    "the order is not topological; mark a node when it is expanded, or use micrograd's recursive build_topo",
)
class ValueMarkedWhenPushed(Value):
    def backward(self):
        order, seen, stack = [], {self}, [(self, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                order.append(node)
                continue
            stack.append((node, True))
            for child in node._prev:
                if child not in seen:
                    seen.add(child)
                    stack.append((child, False))
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


@catalogue.mistake(
    "Value",
    "an output gradient never seeded with 1",
    "backward() starts from d(out)/d(out) = 1: set self.grad = 1.0 before walking the graph",
)
class ValueUnseeded(Value):
    def backward(self):
        order, visited = [], set()

        def visit(node):
            if node not in visited:
                visited.add(node)
                for child in node._prev:
                    visit(child)
                order.append(node)

        visit(self)
        for node in reversed(order):
            node._backward()


@catalogue.mistake(
    "Value",
    "a product whose factors' gradients are not swapped",
    "d(a * b)/da is b, not a: self.grad += other.data * out.grad and other.grad += self.data * out.grad",
)
class ValueUnswappedProduct(Value):
    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += self.data * out.grad
            other.grad += other.data * out.grad

        out._backward = _backward
        return out


@catalogue.mistake(
    "Value",
    "the power rule without lowering the exponent (n * x**n)",
    "d(x**n)/dx = n * x**(n - 1)",
)
class ValuePowerRuleExponent(Value):
    def __pow__(self, exponent):
        out = Value(self.data**exponent, (self,), f"**{exponent}")

        def _backward():
            self.grad += exponent * self.data**exponent * out.grad

        out._backward = _backward
        return out


@catalogue.mistake(
    "Value",
    "the tanh derivative written with the input, 1 - x**2",
    "d tanh(x)/dx = 1 - tanh(x)**2: use the output t = tanh(x), not x",
)
class ValueTanhOfInput(Value):
    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += (1 - self.data**2) * out.grad

        out._backward = _backward
        return out


@catalogue.mistake(
    "Value",
    "a ReLU that passes the gradient through where its input is negative",
    "relu sends gradient only where the input is positive: self.grad += (self.data > 0) * out.grad",
)
class ValueReluUnmasked(Value):
    def relu(self):
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward():
            self.grad += out.grad

        out._backward = _backward
        return out


@catalogue.mistake(
    "Value",
    "a ReLU that passes the gradient where its input is exactly 0 (>= 0 instead of > 0)",
    "relu's gradient at exactly 0 is 0, as in torch: self.grad += (self.data > 0) * out.grad",
)
class ValueReluAtZero(Value):
    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            self.grad += (self.data >= 0) * out.grad

        out._backward = _backward
        return out


@catalogue.mistake(
    "Value", "the derivative of exp(x) taken as x", "d exp(x)/dx = exp(x): reuse out.data"
)
class ValueExpDerivativeIsInput(Value):
    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += self.data * out.grad

        out._backward = _backward
        return out
