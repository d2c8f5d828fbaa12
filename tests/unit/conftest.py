"""The unit tests' shared helpers (``fake_linux_host.py``) are imported by plain name."""

import os
import sys

UNIT_ROOT = os.path.dirname(os.path.abspath(__file__))
if UNIT_ROOT not in sys.path:
    sys.path.insert(0, UNIT_ROOT)
