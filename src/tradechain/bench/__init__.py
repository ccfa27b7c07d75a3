"""Benchmarks: gas per step and per trade, throughput, settlement latency, start-up time, and the report.

Benchmarks are commands (`tradechain bench …`, `tradechain report`), not tests; only the gas snapshot check
runs in `make test`. Every run is also written as timestamped JSON under results/ (see `results`).
"""
