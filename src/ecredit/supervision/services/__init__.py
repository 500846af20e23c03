"""Supervision's domain operations, split by topic (ARCHITECTURE §2): `plan` (the plan's tasks, progress
reports and who is overdue, R18.2), `compliance` (platforms' compliance figures, R11.1) and `interviews`
(regulators' interviews and notices to platforms, R11.3)."""
