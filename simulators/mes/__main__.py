"""``python -m simulators.mes``: run the MES simulator."""

from simulators.mes.cli import main

main()
