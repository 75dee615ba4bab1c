"""every operator the tests aim at, wrapped in a function of the same signature that calls the original"""


def mutate(ops):
    true_sigmoid, true_lt, true_mul, true_add, true_relu = ops.sigmoid, ops.lt, ops.mul, ops.add, ops.relu
    true_max, true_neg, true_eq, true_sum = ops.max, ops.neg, ops.eq, ops.sum
    return {
        "sigmoid": lambda x: true_sigmoid(x),
        "lt": lambda x, y: true_lt(x, y),
        "mul": lambda x, y: true_mul(x, y),
        "add": lambda x, y: true_add(x, y),
        "relu": lambda x: true_relu(x),
        "max": lambda x, y: true_max(x, y),
        "neg": lambda x: true_neg(x),
        "eq": lambda x, y: true_eq(x, y),
        "sum": lambda ls: true_sum(ls),
    }
