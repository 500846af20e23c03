"""Platforms' consumer-protection funds and advance compensation (先行赔付): claims, payments, recovery, a balanced ledger."""
