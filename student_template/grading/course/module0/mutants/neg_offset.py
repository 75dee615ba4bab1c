"""neg is off by a half: neg(x) returns -x + 0.5."""


def mutate(ops):
    true_neg = ops.neg
    return {"neg": lambda x: true_neg(x) + 0.5}
