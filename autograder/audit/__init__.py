"""Is the course sound: verify, the mutation score (planted bugs), calibration. Staff only."""
