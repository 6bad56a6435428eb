"""`python -m pocc ...`: see `pocc.cli`."""

import sys

from pocc.cli import main

sys.exit(main())
