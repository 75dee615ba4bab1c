"""relu leaks: negative inputs come out as 0.1 * x instead of 0."""


def mutate(ops):
    true_relu = ops.relu
    return {"relu": lambda x: true_relu(x) if x > 0 else 0.1 * x}
