"""Chaos measurements (issue 9): kill -9 mid-apply, fault rates and drops, two applies at once,
canary secrets, incomplete listings and a tampered saved plan, each driven through the real
console script against a served sandbox on loopback.

``python -m tests.chaos.run`` (``make chaos``) runs the large matrices on the demo brand and on
a generated 300-object brand and prints the figures; ``test_chaos.py`` runs small versions of
each in the regular suite (``slow``).
"""
