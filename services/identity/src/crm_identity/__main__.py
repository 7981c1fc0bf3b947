import sys

from crm_identity.definition import DEFINITION
from crmkit.service import main

sys.exit(main(DEFINITION))
