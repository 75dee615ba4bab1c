"""every operator the tests aim at, computed another way (lt(x, y) as lt(-y, -x), mul(x, y) as mul(y, x), ...)"""


def mutate(ops):
    true_sigmoid, true_lt, true_mul, true_add = ops.sigmoid, ops.lt, ops.mul, ops.add
    true_max, true_eq, true_sum = ops.max, ops.eq, ops.sum
    return {
        # sigmoid(x) = 1 - sigmoid(-x)
        "sigmoid": lambda x: 1.0 - true_sigmoid(-x) if x >= 0.0 else true_sigmoid(x),
        "lt": lambda x, y: true_lt(-y, -x),
        "mul": lambda x, y: true_mul(y, x),
        "add": lambda x, y: true_add(y, x),
        "relu": lambda x: true_max(x, 0.0),
        "max": lambda x, y: x if true_lt(y, x) else y,
        "neg": lambda x: true_mul(-1.0, x),
        "eq": lambda x, y: true_eq(y, x),
        "sum": lambda ls: -true_sum([-x for x in ls]),
    }
