"""Strata's command line (``strata refresh | build | summary | generate | bench``) and helpers.

The dbt project is the repository this package sits in (``make install`` installs it editable into
the venv); dbt runs as a subprocess, from the repository root.
"""

__version__ = "0.1.0"
