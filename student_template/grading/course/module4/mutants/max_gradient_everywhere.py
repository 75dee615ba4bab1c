"""argmax marks every element, so the gradient of max reaches all of them, not only the largest."""


def mutate(nn):
    return {"argmax": lambda input, dim: input * 0.0 + 1.0}
