"""Running a call in many threads released together, for the concurrency tests against PostgreSQL."""

import threading

from django.db import connection


def race(count: int, act, prepare=lambda i: None) -> list:
    """Run `act(i, prepared)` in `count` threads released together; each thread's result or exception, by i.

    Each thread prepares and opens its connection before the barrier, so the calls really overlap."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            prepared = prepare(i)
            connection.ensure_connection()
            barrier.wait(timeout=60)
            results[i] = act(i, prepared)
        except BaseException as error:  # every outcome is judged by the test
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), name=f"racer-{i}") for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a racer is stuck (deadlock?)"
    return results
