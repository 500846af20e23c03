"""Policy as data: dated, cited rule values in rules/*.yaml, validated at start-up."""

from .loader import NoRuleInForce, Policy, PolicyError, current, in_force, load, reset

__all__ = ["NoRuleInForce", "Policy", "PolicyError", "current", "in_force", "load", "reset"]
