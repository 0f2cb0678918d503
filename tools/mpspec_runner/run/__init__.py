"""Runs: one case on one adapter played in the sandbox and judged, a batch of them in
parallel (`runner`), the adapters and what each is known to fail (`adapters`), a result as
text with what CPython did (`describe`), and a batch as a results document (`results`).

May import: checkout, spec, sandbox, judge.
"""
