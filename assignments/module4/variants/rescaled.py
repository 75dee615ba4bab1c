"""max and argmax computed another way: max(x, dim) as max(x * 1.0, dim), argmax(x, dim) as argmax(x, dim) * 1.0"""


def mutate(nn):
    true_max, true_argmax = nn.max, nn.argmax
    return {
        "max": lambda input, dim: true_max(input * 1.0, dim),
        "argmax": lambda input, dim: true_argmax(input, dim) * 1.0,
    }
