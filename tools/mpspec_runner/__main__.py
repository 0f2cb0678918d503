import sys

from .cli.run_case import main

sys.exit(main(sys.argv[1:]))
