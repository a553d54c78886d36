"""Contract suites every backend must pass, and record factories for tests."""
