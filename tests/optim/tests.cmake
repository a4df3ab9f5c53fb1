# Suites for core/optim.
