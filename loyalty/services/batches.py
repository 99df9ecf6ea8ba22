"""Jobs walk accounts in batches of ids, each batch in its own short transaction, so their cost grows with the
data and a killed run loses at most one batch (rule 3: the next run finds what is still due)."""

BATCH = 500


def accounts_in_batches(ids_query, work, *, batch: int = BATCH) -> int:
    """Call `work(account_ids)` for each batch of the distinct account ids `ids_query` finds; sum what it returns."""
    done, after = 0, 0
    while True:
        ids = list(
            ids_query.filter(account_id__gt=after)
            .order_by("account_id")
            .values_list("account_id", flat=True)
            .distinct()[:batch]
        )
        if not ids:
            return done
        done += work(ids)
        after = ids[-1]
