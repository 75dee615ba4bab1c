"""add is off by one: add(x, y) returns x + y + 1, so mul no longer distributes over it."""


def mutate(ops):
    true_add = ops.add
    return {"add": lambda x, y: true_add(x, y) + 1.0}
