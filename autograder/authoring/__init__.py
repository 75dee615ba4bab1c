"""Reference and assignments into the student tree: markers, notebooks, library files, leaks. Staff only."""
