import sys

from billkit.cli import main

sys.exit(main())
