import logging
import sys

from crm_files.definition import DEFINITION
from crm_files.storage import storage
from crmkit.service import main

command = sys.argv[1] if len(sys.argv) > 1 else ""
if command == "migrate":
    storage().ensure_bucket()  # the deployment's one bucket, before anything is uploaded
elif command == "api":
    try:
        storage().ensure_bucket()
    except Exception:  # readiness (`/readyz`, check "bucket") keeps trying
        logging.getLogger("crm_files").exception("object storage unreachable at start")

sys.exit(main(DEFINITION))
