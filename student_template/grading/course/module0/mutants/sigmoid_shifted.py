"""sigmoid is shifted right by one: sigmoid(0) is no longer 0.5."""


def mutate(ops):
    true_sigmoid = ops.sigmoid
    return {"sigmoid": lambda x: true_sigmoid(x - 1.0)}
