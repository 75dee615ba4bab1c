"""max returns the smaller of its arguments."""


def mutate(ops):
    true_max = ops.max
    return {"max": lambda x, y: x + y - true_max(x, y)}
