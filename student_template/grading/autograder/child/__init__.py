"""What runs inside a sandboxed grading child, copied into its tree; imports nothing of autograder. Ships."""
