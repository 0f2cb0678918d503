"""The spec: case files loaded, `repeat` expanded into the scenario a driver receives
(`cases`), checked against the vocabulary and the seed (`lint`, `vocabulary`), and the
adapter protocol's fixed numbers (`protocol`).

May import: checkout.
"""
