"""Import files, shared by every import: ``reader`` opens them, ``report`` says what happened.

At the level of ``app.geo`` (no database, no domain): the vacancy import (``app.exchange``), the
boundary import (``app.municipalities``) and the places import (``app.scoring``) all build on it.
"""
