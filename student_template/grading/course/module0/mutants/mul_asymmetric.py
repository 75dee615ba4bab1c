"""mul is not symmetric: mul(x, y) returns x * y + x."""


def mutate(ops):
    true_mul = ops.mul
    return {"mul": lambda x, y: true_mul(x, y) + x}
