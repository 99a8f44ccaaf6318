"""When a lead counts as enterprise: its company's size band or its budget at or over the gates
(ENTERPRISE_MIN_COMPANY_SIZE employees, ENTERPRISE_MIN_BUDGET dollars).

The qualification's approval gate and the follow-ups' auto-approval ask the same question here.
"""

from leads.models import Lead

# The fewest employees each size band stands for ("1001-5000" -> 1001, "5001+" -> 5001).
BAND_LOWER = {band.value: int(band.value.split("-")[0].rstrip("+")) for band in Lead.SizeBand}


def enterprise_reason(size_band: str, budget_amount: int | None, *, min_size: int, min_budget: int) -> str:
    """Why a lead of this size band and budget is enterprise, or "" when it is not."""
    if size_band in BAND_LOWER and BAND_LOWER[size_band] >= min_size:
        return f"Enterprise lead: company size {size_band} (gate at {min_size:,}+ employees)"
    if budget_amount is not None and budget_amount >= min_budget:
        return f"Enterprise lead: budget ${budget_amount:,} (gate at ${min_budget:,})"
    return ""
