"""``python -m pretrained``: the command-line interface."""

import sys

from pretrained.cli import main

sys.exit(main())
