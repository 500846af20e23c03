"""Trades and ratings from e-commerce platforms (R2.2): orders, mutual ratings and appended reviews, shielding
(never deleting) reviews, shop points under the published rating rules, and shops' reputation figures."""
