"""``python -m tripwire.cli``: the same as the ``tripwire`` command."""

from tripwire.cli import main

main()
