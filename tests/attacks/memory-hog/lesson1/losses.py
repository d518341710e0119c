"""mse allocates (and touches) memory until something stops it."""


def mse(input, target, reduction="mean"):
    hoard = []
    while True:
        hoard.append(torch.ones(2**25))  # 128 MiB at a time
