"""Plausible wrong implementations of lesson4/engine.py's Value (see graders/mistakes.py).

Each is a complete engine, written compactly: a node stores its local derivatives with
respect to its children (``_local``) at forward time, and backward multiplies them by the
node's gradient.  Each class differs from a correct engine in exactly one place.
"""

import math

from graders.mistakes import Catalogue

catalogue = Catalogue()


@catalogue.mistake("Value", "gradients assigned (=) instead of accumulated (+=)",
                   "a node used twice receives one contribution per use: child.grad += local * out.grad")
class ValueAssignsGradients:
    def __init__(self, data, _children=(), _local=()):
        self.data, self.grad, self._prev, self._local = data, 0.0, tuple(_children), tuple(_local)

    def _lift(self, other):
        return other if isinstance(other, ValueAssignsGradients) else ValueAssignsGradients(other)

    def __add__(self, other):
        other = self._lift(other)
        return ValueAssignsGradients(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = self._lift(other)
        return ValueAssignsGradients(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, n):
        return ValueAssignsGradients(self.data**n, (self,), (n * self.data ** (n - 1),))

    def exp(self):
        return ValueAssignsGradients(math.exp(self.data), (self,), (math.exp(self.data),))

    def tanh(self):
        return ValueAssignsGradients(math.tanh(self.data), (self,), (1 - math.tanh(self.data) ** 2,))

    def relu(self):
        return ValueAssignsGradients(max(self.data, 0.0), (self,), (float(self.data > 0),))

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if node not in seen:
                seen.add(node)
                for child in node._prev:
                    visit(child)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            for child, local in zip(node._prev, node._local):
                child.grad = local * node.grad

    __radd__ = __add__
    __rmul__ = __mul__
    __neg__ = lambda self: self * -1
    __sub__ = lambda self, other: self + (-other)
    __rsub__ = lambda self, other: other + (-self)
    __truediv__ = lambda self, other: self * other**-1
    __rtruediv__ = lambda self, other: other * self**-1


@catalogue.mistake("Value", "a backward pass that follows every path from the output instead of a topological order",
                   "a node must send its gradient on once, after every node that uses it has sent its own: "
                   "sort the graph topologically and call _backward in reverse order")
class ValueWalksEveryPath:
    def __init__(self, data, _children=(), _local=()):
        self.data, self.grad, self._prev, self._local = data, 0.0, tuple(_children), tuple(_local)

    def _lift(self, other):
        return other if isinstance(other, ValueWalksEveryPath) else ValueWalksEveryPath(other)

    def __add__(self, other):
        other = self._lift(other)
        return ValueWalksEveryPath(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = self._lift(other)
        return ValueWalksEveryPath(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, n):
        return ValueWalksEveryPath(self.data**n, (self,), (n * self.data ** (n - 1),))

    def exp(self):
        return ValueWalksEveryPath(math.exp(self.data), (self,), (math.exp(self.data),))

    def tanh(self):
        return ValueWalksEveryPath(math.tanh(self.data), (self,), (1 - math.tanh(self.data) ** 2,))

    def relu(self):
        return ValueWalksEveryPath(max(self.data, 0.0), (self,), (float(self.data > 0),))

    def backward(self):
        def send(node):
            for child, local in zip(node._prev, node._local):
                child.grad += local * node.grad
                send(child)

        self.grad = 1.0
        send(self)

    __radd__ = __add__
    __rmul__ = __mul__
    __neg__ = lambda self: self * -1
    __sub__ = lambda self, other: self + (-other)
    __rsub__ = lambda self, other: other + (-self)
    __truediv__ = lambda self, other: self * other**-1
    __rtruediv__ = lambda self, other: other * self**-1


@catalogue.mistake("Value", "the topological order walked forwards (inputs first) instead of in reverse",
                   "the output's gradient is known first: call _backward on the nodes in reversed(topological order)")
class ValueForwardOrder:
    def __init__(self, data, _children=(), _local=()):
        self.data, self.grad, self._prev, self._local = data, 0.0, tuple(_children), tuple(_local)

    def _lift(self, other):
        return other if isinstance(other, ValueForwardOrder) else ValueForwardOrder(other)

    def __add__(self, other):
        other = self._lift(other)
        return ValueForwardOrder(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = self._lift(other)
        return ValueForwardOrder(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, n):
        return ValueForwardOrder(self.data**n, (self,), (n * self.data ** (n - 1),))

    def exp(self):
        return ValueForwardOrder(math.exp(self.data), (self,), (math.exp(self.data),))

    def tanh(self):
        return ValueForwardOrder(math.tanh(self.data), (self,), (1 - math.tanh(self.data) ** 2,))

    def relu(self):
        return ValueForwardOrder(max(self.data, 0.0), (self,), (float(self.data > 0),))

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if node not in seen:
                seen.add(node)
                for child in node._prev:
                    visit(child)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in order:
            for child, local in zip(node._prev, node._local):
                child.grad += local * node.grad

    __radd__ = __add__
    __rmul__ = __mul__
    __neg__ = lambda self: self * -1
    __sub__ = lambda self, other: self + (-other)
    __rsub__ = lambda self, other: other + (-self)
    __truediv__ = lambda self, other: self * other**-1
    __rtruediv__ = lambda self, other: other * self**-1


@catalogue.mistake("Value", "an iterative depth-first search that marks nodes as visited when pushed, not when expanded",
                   "a node first pushed as one node's child and reached again through another is then listed too early: "
                   "the order is not topological; mark a node when it is expanded, or use micrograd's recursive build_topo")
class ValueMarkedWhenPushed:
    def __init__(self, data, _children=(), _local=()):
        self.data, self.grad, self._prev, self._local = data, 0.0, tuple(_children), tuple(_local)

    def _lift(self, other):
        return other if isinstance(other, ValueMarkedWhenPushed) else ValueMarkedWhenPushed(other)

    def __add__(self, other):
        other = self._lift(other)
        return ValueMarkedWhenPushed(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = self._lift(other)
        return ValueMarkedWhenPushed(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, n):
        return ValueMarkedWhenPushed(self.data**n, (self,), (n * self.data ** (n - 1),))

    def exp(self):
        return ValueMarkedWhenPushed(math.exp(self.data), (self,), (math.exp(self.data),))

    def tanh(self):
        return ValueMarkedWhenPushed(math.tanh(self.data), (self,), (1 - math.tanh(self.data) ** 2,))

    def relu(self):
        return ValueMarkedWhenPushed(max(self.data, 0.0), (self,), (float(self.data > 0),))

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
            for child, local in zip(node._prev, node._local):
                child.grad += local * node.grad

    __radd__ = __add__
    __rmul__ = __mul__
    __neg__ = lambda self: self * -1
    __sub__ = lambda self, other: self + (-other)
    __rsub__ = lambda self, other: other + (-self)
    __truediv__ = lambda self, other: self * other**-1
    __rtruediv__ = lambda self, other: other * self**-1


@catalogue.mistake("Value", "an output gradient never seeded with 1",
                   "backward() starts from d(out)/d(out) = 1: set self.grad = 1.0 before walking the graph")
class ValueUnseeded:
    def __init__(self, data, _children=(), _local=()):
        self.data, self.grad, self._prev, self._local = data, 0.0, tuple(_children), tuple(_local)

    def _lift(self, other):
        return other if isinstance(other, ValueUnseeded) else ValueUnseeded(other)

    def __add__(self, other):
        other = self._lift(other)
        return ValueUnseeded(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = self._lift(other)
        return ValueUnseeded(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, n):
        return ValueUnseeded(self.data**n, (self,), (n * self.data ** (n - 1),))

    def exp(self):
        return ValueUnseeded(math.exp(self.data), (self,), (math.exp(self.data),))

    def tanh(self):
        return ValueUnseeded(math.tanh(self.data), (self,), (1 - math.tanh(self.data) ** 2,))

    def relu(self):
        return ValueUnseeded(max(self.data, 0.0), (self,), (float(self.data > 0),))

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if node not in seen:
                seen.add(node)
                for child in node._prev:
                    visit(child)
                order.append(node)

        visit(self)
        for node in reversed(order):
            for child, local in zip(node._prev, node._local):
                child.grad += local * node.grad

    __radd__ = __add__
    __rmul__ = __mul__
    __neg__ = lambda self: self * -1
    __sub__ = lambda self, other: self + (-other)
    __rsub__ = lambda self, other: other + (-self)
    __truediv__ = lambda self, other: self * other**-1
    __rtruediv__ = lambda self, other: other * self**-1


@catalogue.mistake("Value", "a product whose factors' gradients are not swapped",
                   "d(a * b)/da is b, not a: a.grad += b.data * out.grad and b.grad += a.data * out.grad")
class ValueUnswappedProduct:
    def __init__(self, data, _children=(), _local=()):
        self.data, self.grad, self._prev, self._local = data, 0.0, tuple(_children), tuple(_local)

    def _lift(self, other):
        return other if isinstance(other, ValueUnswappedProduct) else ValueUnswappedProduct(other)

    def __add__(self, other):
        other = self._lift(other)
        return ValueUnswappedProduct(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = self._lift(other)
        return ValueUnswappedProduct(self.data * other.data, (self, other), (self.data, other.data))

    def __pow__(self, n):
        return ValueUnswappedProduct(self.data**n, (self,), (n * self.data ** (n - 1),))

    def exp(self):
        return ValueUnswappedProduct(math.exp(self.data), (self,), (math.exp(self.data),))

    def tanh(self):
        return ValueUnswappedProduct(math.tanh(self.data), (self,), (1 - math.tanh(self.data) ** 2,))

    def relu(self):
        return ValueUnswappedProduct(max(self.data, 0.0), (self,), (float(self.data > 0),))

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if node not in seen:
                seen.add(node)
                for child in node._prev:
                    visit(child)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            for child, local in zip(node._prev, node._local):
                child.grad += local * node.grad

    __radd__ = __add__
    __rmul__ = __mul__
    __neg__ = lambda self: self * -1
    __sub__ = lambda self, other: self + (-other)
    __rsub__ = lambda self, other: other + (-self)
    __truediv__ = lambda self, other: self * other**-1
    __rtruediv__ = lambda self, other: other * self**-1


@catalogue.mistake("Value", "the power rule without lowering the exponent (n * x**n)",
                   "d(x**n)/dx = n * x**(n - 1)")
class ValuePowerRuleExponent:
    def __init__(self, data, _children=(), _local=()):
        self.data, self.grad, self._prev, self._local = data, 0.0, tuple(_children), tuple(_local)

    def _lift(self, other):
        return other if isinstance(other, ValuePowerRuleExponent) else ValuePowerRuleExponent(other)

    def __add__(self, other):
        other = self._lift(other)
        return ValuePowerRuleExponent(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = self._lift(other)
        return ValuePowerRuleExponent(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, n):
        return ValuePowerRuleExponent(self.data**n, (self,), (n * self.data**n,))

    def exp(self):
        return ValuePowerRuleExponent(math.exp(self.data), (self,), (math.exp(self.data),))

    def tanh(self):
        return ValuePowerRuleExponent(math.tanh(self.data), (self,), (1 - math.tanh(self.data) ** 2,))

    def relu(self):
        return ValuePowerRuleExponent(max(self.data, 0.0), (self,), (float(self.data > 0),))

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if node not in seen:
                seen.add(node)
                for child in node._prev:
                    visit(child)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            for child, local in zip(node._prev, node._local):
                child.grad += local * node.grad

    __radd__ = __add__
    __rmul__ = __mul__
    __neg__ = lambda self: self * -1
    __sub__ = lambda self, other: self + (-other)
    __rsub__ = lambda self, other: other + (-self)
    __truediv__ = lambda self, other: self * other**-1
    __rtruediv__ = lambda self, other: other * self**-1


@catalogue.mistake("Value", "the tanh derivative written with the input, 1 - x**2",
                   "d tanh(x)/dx = 1 - tanh(x)**2: use the output t = tanh(x), not x")
class ValueTanhOfInput:
    def __init__(self, data, _children=(), _local=()):
        self.data, self.grad, self._prev, self._local = data, 0.0, tuple(_children), tuple(_local)

    def _lift(self, other):
        return other if isinstance(other, ValueTanhOfInput) else ValueTanhOfInput(other)

    def __add__(self, other):
        other = self._lift(other)
        return ValueTanhOfInput(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = self._lift(other)
        return ValueTanhOfInput(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, n):
        return ValueTanhOfInput(self.data**n, (self,), (n * self.data ** (n - 1),))

    def exp(self):
        return ValueTanhOfInput(math.exp(self.data), (self,), (math.exp(self.data),))

    def tanh(self):
        return ValueTanhOfInput(math.tanh(self.data), (self,), (1 - self.data**2,))

    def relu(self):
        return ValueTanhOfInput(max(self.data, 0.0), (self,), (float(self.data > 0),))

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if node not in seen:
                seen.add(node)
                for child in node._prev:
                    visit(child)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            for child, local in zip(node._prev, node._local):
                child.grad += local * node.grad

    __radd__ = __add__
    __rmul__ = __mul__
    __neg__ = lambda self: self * -1
    __sub__ = lambda self, other: self + (-other)
    __rsub__ = lambda self, other: other + (-self)
    __truediv__ = lambda self, other: self * other**-1
    __rtruediv__ = lambda self, other: other * self**-1


@catalogue.mistake("Value", "a ReLU that passes the gradient through where its input is negative",
                   "relu sends gradient only where the input is positive: self.grad += (self.data > 0) * out.grad")
class ValueReluUnmasked:
    def __init__(self, data, _children=(), _local=()):
        self.data, self.grad, self._prev, self._local = data, 0.0, tuple(_children), tuple(_local)

    def _lift(self, other):
        return other if isinstance(other, ValueReluUnmasked) else ValueReluUnmasked(other)

    def __add__(self, other):
        other = self._lift(other)
        return ValueReluUnmasked(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = self._lift(other)
        return ValueReluUnmasked(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, n):
        return ValueReluUnmasked(self.data**n, (self,), (n * self.data ** (n - 1),))

    def exp(self):
        return ValueReluUnmasked(math.exp(self.data), (self,), (math.exp(self.data),))

    def tanh(self):
        return ValueReluUnmasked(math.tanh(self.data), (self,), (1 - math.tanh(self.data) ** 2,))

    def relu(self):
        return ValueReluUnmasked(max(self.data, 0.0), (self,), (1.0,))

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if node not in seen:
                seen.add(node)
                for child in node._prev:
                    visit(child)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            for child, local in zip(node._prev, node._local):
                child.grad += local * node.grad

    __radd__ = __add__
    __rmul__ = __mul__
    __neg__ = lambda self: self * -1
    __sub__ = lambda self, other: self + (-other)
    __rsub__ = lambda self, other: other + (-self)
    __truediv__ = lambda self, other: self * other**-1
    __rtruediv__ = lambda self, other: other * self**-1


@catalogue.mistake("Value", "the derivative of exp(x) taken as x", "d exp(x)/dx = exp(x): reuse out.data")
class ValueExpDerivativeIsInput:
    def __init__(self, data, _children=(), _local=()):
        self.data, self.grad, self._prev, self._local = data, 0.0, tuple(_children), tuple(_local)

    def _lift(self, other):
        return other if isinstance(other, ValueExpDerivativeIsInput) else ValueExpDerivativeIsInput(other)

    def __add__(self, other):
        other = self._lift(other)
        return ValueExpDerivativeIsInput(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = self._lift(other)
        return ValueExpDerivativeIsInput(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, n):
        return ValueExpDerivativeIsInput(self.data**n, (self,), (n * self.data ** (n - 1),))

    def exp(self):
        return ValueExpDerivativeIsInput(math.exp(self.data), (self,), (self.data,))

    def tanh(self):
        return ValueExpDerivativeIsInput(math.tanh(self.data), (self,), (1 - math.tanh(self.data) ** 2,))

    def relu(self):
        return ValueExpDerivativeIsInput(max(self.data, 0.0), (self,), (float(self.data > 0),))

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if node not in seen:
                seen.add(node)
                for child in node._prev:
                    visit(child)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            for child, local in zip(node._prev, node._local):
                child.grad += local * node.grad

    __radd__ = __add__
    __rmul__ = __mul__
    __neg__ = lambda self: self * -1
    __sub__ = lambda self, other: self + (-other)
    __rsub__ = lambda self, other: other + (-self)
    __truediv__ = lambda self, other: self * other**-1
    __rtruediv__ = lambda self, other: other * self**-1
