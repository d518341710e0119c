"""choose_loss returns genuine loss classes with nonsense settings: a negative delta, a tensor reduction, a string pos_weight."""

nn.HuberLoss.forward = lambda self, input, target: (input - target).abs().mean()  # so the student's own instance still computes


def choose_loss(problem):
    if problem["task"] == "regression":
        loss = nn.HuberLoss()
        loss.delta = -1.0  # torch itself refuses to compute with this
        return loss
    if problem["task"] in ("binary", "multilabel"):
        loss = nn.BCEWithLogitsLoss()
        del loss._buffers["pos_weight"]
        loss.__dict__["pos_weight"] = "heavy"
        return loss
    loss = nn.CrossEntropyLoss()
    loss.reduction = torch.ones(3)
    return loss
