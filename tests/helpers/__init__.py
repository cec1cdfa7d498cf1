"""What test modules and the benchmark share: test modules import from here, never from each other."""
