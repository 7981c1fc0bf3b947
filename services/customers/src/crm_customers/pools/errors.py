"""The pool's expected refusals (problem+json `code`s), shared with the customers domain."""

from crmkit.errors import Conflict


class CustomerInPool(Conflict):
    """A pooled customer has no owner: it is claimed (or assigned) before it is changed."""

    code, title = "customer_in_pool", "Customer is in a public pool"


class CustomerNotInPool(Conflict):
    code, title = "customer_not_in_pool", "Customer is not in the pool"


class ClaimCooldown(Conflict):
    code, title = "claim_cooldown", "Previous owner's cool-down"


class DailyClaimLimit(Conflict):
    code, title = "daily_claim_limit", "Daily claim limit reached"


class OwnedLimit(Conflict):
    code, title = "owned_limit", "Most customers a user may own reached"


class DefaultPoolRequired(Conflict):
    code, title = "default_pool_required", "A tenant keeps one default pool"
