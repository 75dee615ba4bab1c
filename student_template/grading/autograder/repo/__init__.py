"""A student's repository: upgrade it to a newer release, function by function. Ships to students."""
