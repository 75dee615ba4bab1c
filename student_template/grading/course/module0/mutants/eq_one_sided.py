"""eq is lopsided: eq(x, y) also holds whenever y is within 1 above x."""


def mutate(ops):
    true_eq = ops.eq
    return {"eq": lambda x, y: 1.0 if 0.0 <= y - x < 1.0 else true_eq(x, y)}
