import sys

from crm_service_desk.definition import DEFINITION
from crmkit.service import main

sys.exit(main(DEFINITION))
