import sys

from crm_sales.definition import DEFINITION
from crmkit.service import main

sys.exit(main(DEFINITION))
