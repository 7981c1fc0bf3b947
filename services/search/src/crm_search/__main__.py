import sys

from crm_search.definition import DEFINITION
from crmkit.service import main

sys.exit(main(DEFINITION))
