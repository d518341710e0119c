"""Seeded inputs for hidden graders: one shared set of generators, chosen to expose real bugs.

Every test draws from an ``Inputs`` seeded from its own id (not the student's), so every
student gets the same inputs, a failure replays exactly, and the reference can be cached.
Values are drawn on the CPU with a private generator and then moved to the test's device,
so CPU and GPU runs see identical numbers.
"""

from __future__ import annotations

import zlib

import torch

# Shapes that catch reduction and broadcasting bugs: a vector, a batch of one, 2-D with
# unequal sides, 3-D.
SHAPES = ((7,), (1, 5), (4, 3), (2, 3, 5))


def seed_for(inputs: str) -> int:
    """The seed of a case's inputs, from its name ("lesson1.mse: values[mean-float32-cpu]")."""
    return zlib.crc32(inputs.encode())


class Inputs:
    def __init__(self, seed: int, device: str = "cpu"):
        self.seed, self.device = seed, device
        self.generator = torch.Generator().manual_seed(seed)

    def _to(self, tensor: torch.Tensor) -> torch.Tensor:
        return tensor.to(self.device)

    def normal(
        self, *shape: int, dtype=torch.float64, scale: float = 1.0, shift: float = 0.0
    ) -> torch.Tensor:
        return self._to(torch.randn(shape, generator=self.generator, dtype=dtype) * scale + shift)

    def uniform(
        self, *shape: int, low: float = 0.0, high: float = 1.0, dtype=torch.float64
    ) -> torch.Tensor:
        return self._to(
            torch.rand(shape, generator=self.generator, dtype=dtype) * (high - low) + low
        )

    def probabilities(
        self, *shape: int, dtype=torch.float64, extremes: bool = False
    ) -> torch.Tensor:
        """Values in (0, 1); with ``extremes``, some exactly 0 and exactly 1 as well."""
        p = torch.rand(shape, generator=self.generator, dtype=dtype).clamp(1e-4, 1 - 1e-4)
        if extremes and p.numel() >= 4:
            flat = p.reshape(-1)
            flat[0], flat[-1] = 0.0, 1.0
            flat[flat.numel() // 2] = 0.0
            flat[flat.numel() // 3] = 1.0
        return self._to(p)

    def binary(self, *shape: int, dtype=torch.float64) -> torch.Tensor:
        """Hard 0/1 targets in the input's dtype."""
        return self._to((torch.rand(shape, generator=self.generator) < 0.5).to(dtype))

    def classes(self, n: int, num_classes: int) -> torch.Tensor:
        return self._to(torch.randint(num_classes, (n,), generator=self.generator))

    def choice(self, options):
        return options[int(torch.randint(len(options), (1,), generator=self.generator))]
