"""Policy evaluation: pure functions of (results, policy, clock) into a Verdict."""

from caulk.policy.gate import Verdict, gate

__all__ = ["Verdict", "gate"]
