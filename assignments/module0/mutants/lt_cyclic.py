"""lt is cyclic, like rock-paper-scissors: lt(x, y) holds when floor(y) - floor(x) is 1 more than a multiple of 3."""

import math


def mutate(ops):
    true_lt = ops.lt
    return {"lt": lambda x, y: true_lt(0.0, 1.0 if (math.floor(y) - math.floor(x)) % 3 == 1 else 0.0)}
