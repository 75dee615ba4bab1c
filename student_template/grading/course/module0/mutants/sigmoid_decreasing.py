"""sigmoid runs backwards: sigmoid(x) returns the true sigmoid(-x)."""


def mutate(ops):
    true_sigmoid = ops.sigmoid
    return {"sigmoid": lambda x: true_sigmoid(-x)}
