"""max and argmax, each wrapped in a function of the same signature that calls the original"""


def mutate(nn):
    true_max, true_argmax = nn.max, nn.argmax
    return {
        "max": lambda input, dim: true_max(input, dim),
        "argmax": lambda input, dim: true_argmax(input, dim),
    }
