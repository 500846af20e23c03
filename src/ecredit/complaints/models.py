"""Complaints and reports from the seven hotlines, the portal and platforms: intake, merging, routing, deadlines, answers."""
