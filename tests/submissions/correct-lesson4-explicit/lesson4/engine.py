"""A correct engine written differently: local derivatives stored at forward time, an iterative topological sort."""

import math


class Value:
    def __init__(self, data, _children=(), _local=()):
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(_children)
        self._local = tuple(_local)  # d(self)/d(child) for each child

    @staticmethod
    def _lift(other):
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other):
        other = self._lift(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = self._lift(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, n):
        return Value(self.data**n, (self,), (n * self.data ** (n - 1),))

    def exp(self):
        e = math.exp(self.data)
        return Value(e, (self,), (e,))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), ((1 - t) * (1 + t),))

    def relu(self):
        positive = self.data > 0
        return Value(self.data if positive else 0.0, (self,), (1.0 if positive else 0.0,))

    def backward(self):
        order, expanded, stack = [], set(), [(self, False)]
        while stack:  # post-order without recursion: a node is listed after all its children
            node, children_done = stack.pop()
            if children_done:
                order.append(node)
                continue
            if id(node) in expanded:  # pushed twice: mark nodes when expanded, not when pushed
                continue
            expanded.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in node._prev if id(child) not in expanded)
        self.grad = 1.0
        for node in reversed(order):
            for child, local in zip(node._prev, node._local):
                child.grad += local * node.grad

    def __neg__(self):
        return self * -1.0

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-1.0) * other

    def __rsub__(self, other):
        return (-1.0) * self + other

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * self._lift(other) ** -1

    def __rtruediv__(self, other):
        return self**-1 * other
