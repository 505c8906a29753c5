"""Benchmarks and the loopback Bot API server they (and the tests) drive."""
