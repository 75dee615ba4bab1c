"""lt only holds for nearby numbers: lt(x, y) is 1 when 0 < y - x < 20, so it is not transitive."""


def mutate(ops):
    return {"lt": lambda x, y: 1.0 if 0.0 < y - x < 20.0 else 0.0}
