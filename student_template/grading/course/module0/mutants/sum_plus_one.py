"""sum starts from 1 instead of 0."""


def mutate(ops):
    true_sum = ops.sum
    return {"sum": lambda ls: true_sum(ls) + 1.0}
