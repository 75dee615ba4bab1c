"""A class: intake, batch grading, the gradebook, exports, reports, Gradescope. Staff only."""
