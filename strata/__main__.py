"""``python -m strata ...`` = ``strata ...``."""

import sys

from strata.cli import main

sys.exit(main())
