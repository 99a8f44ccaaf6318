"""Company linking for intake: the Company of each domain a batch of leads names, created when missing."""

from django.utils import timezone

from leads.bulk_write import insert_missing
from leads.models import Company


class CompanyIds:
    """Company ids by domain, remembered across the batches of one import."""

    CACHE_SIZE = 100_000

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}

    def ids_for(self, names: dict[str, str]) -> dict[str, int]:
        """Ids for these domains ({domain: the name a new company gets}), creating the missing companies.

        Runs before the batch's transaction, so new companies are committed at once: another batch being
        saved at the same time can use them, and a failed batch leaves nothing dangling on them.
        """
        found = {domain: self._ids[domain] for domain in names if domain in self._ids}
        missing = sorted(domain for domain in names if domain not in found)  # one order: no deadlocks
        if missing:
            if len(self._ids) > self.CACHE_SIZE:
                self._ids = {}  # keeps memory flat on a file with millions of domains
            now = timezone.now()
            created = insert_missing(
                Company, "domain", {"domain": missing, "name": [names[domain] for domain in missing]},
                constants={"created_at": now, "updated_at": now},
            )
            self._ids.update(created)
            found.update(created)
        return found
