"""Safety: policies, detectors, hash banks, rules, decisions, review, appeals and audit."""
