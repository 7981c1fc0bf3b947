import sys

from crm_customers.definition import DEFINITION
from crmkit.service import main

sys.exit(main(DEFINITION))
