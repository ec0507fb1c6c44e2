"""The server's read model: engine access for reads, and the only SQL text outside the mart.

A running server reads a snapshot of the mart through :mod:`segmint.serving.snapshot_pool`
(a cursor per request, switching to each new snapshot), keeps sorted in-process copies of
what the 360° view looks up (:mod:`segmint.serving.sorted_copies`), and answers point
lookups with parameterised statements (:mod:`segmint.serving.customer_lookup`), because
compiling an Ibis expression costs more than those lookups. Everything here reads; writes go
through :mod:`segmint.mart`. The pages' view models (:mod:`segmint.views`) and the API
(:mod:`segmint.api`) sit above it.
"""
