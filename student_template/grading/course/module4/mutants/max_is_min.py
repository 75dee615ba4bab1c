"""max returns the smallest element instead of the largest."""


def mutate(nn):
    true_max = nn.max
    return {"max": lambda input, dim: -true_max(-input, dim)}
