"""``python -m simulators.suppliers``: run the supplier SCM portal."""

from simulators.suppliers.cli import main

main()
