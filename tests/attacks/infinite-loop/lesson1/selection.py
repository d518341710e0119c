"""choose_loss never returns."""


def choose_loss(problem):
    while True:
        pass
