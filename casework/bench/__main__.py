"""``python -m casework.bench``: see casework/bench/run.py."""
import sys

from .run import main

sys.exit(main())
