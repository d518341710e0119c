"""Lesson 4's by-hand exercises refuse autograd under another name: in a Value, in a manual backward pass,
and inside a custom Function's backward (which the probe sees as a second, nested backward pass)."""

# entry -> (status, words the message must contain); every other lesson 4 exercise keeps full marks
EXPECTED = {
    "Value": ("forbidden", "autograd"),
    "mlp_backward": ("forbidden", "torch.autograd.grad"),
    "mlp_train_step": ("forbidden", "torch.autograd.grad"),
    "LogSumExp": ("forbidden", "the backward pass runs autograd itself"),
    "Swish": ("forbidden", "torch.nn.functional.silu"),
}


def test_autograd_under_another_name_is_forbidden(graded_class, course):
    for exercise in course.lesson("lesson4").exercises:
        graded = graded_class.exercise("bad-lesson4-autograd", exercise.id)
        if exercise.entry not in EXPECTED:
            assert graded.score == exercise.points, f"lost points on untouched {exercise.id}"
            continue
        status, words = EXPECTED[exercise.entry]
        assert graded.score < exercise.points, f"{exercise.id}: full marks"
        relevant = [t for t in graded.tests if t.status == status]
        assert any(words in t.message for t in relevant), (
            f"{exercise.id}: {[t.message for t in graded.tests][:2]}"
        )
