"""Grade one submission: scratch trees, confined children, scores. Ships to students (`make grade`)."""
