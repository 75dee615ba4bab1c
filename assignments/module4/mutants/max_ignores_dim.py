"""max always reduces the first dimension, whatever dim it is given."""


def mutate(nn):
    true_max = nn.max
    return {"max": lambda input, dim: true_max(input, 0)}
