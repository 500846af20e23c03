""""放心消费" (safe consumption) merchants: enrolment, criteria from the policy files, the public list."""
