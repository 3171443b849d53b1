"""``python -m helpscout``: the ``helpscout-webhook`` command line."""

import sys

from .cli import main

sys.exit(main())
