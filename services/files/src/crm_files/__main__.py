import sys

from crm_files.definition import DEFINITION
from crmkit.service import main

sys.exit(main(DEFINITION))
