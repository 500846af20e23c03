"""Findings: the detection library run on platform and logistics data, its results kept with their evidence and put before an officer (derived app)."""
