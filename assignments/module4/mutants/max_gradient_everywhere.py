"""argmax marks every element, so the gradient of max reaches all of them, not only the largest."""


def mutate(nn):
    true_argmax = nn.argmax
    return {"argmax": lambda input, dim: true_argmax(input, dim) * 0.0 + 1.0}
