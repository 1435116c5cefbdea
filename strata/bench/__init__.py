"""``strata bench`` (strata.bench.run): the benchmark at scale. The baseline and pandas
implementations run as child processes (``python -m strata.bench.baseline`` / ``.pandas_rfm``)."""
