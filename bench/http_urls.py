"""The product's URLs plus the baseline: a minimal view that does one UPDATE and one INSERT in a transaction."""

from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from loyalty.urls import urlpatterns as product

BASELINE_TABLES = (
    "CREATE TABLE IF NOT EXISTS bench_counter (id int PRIMARY KEY, n bigint NOT NULL)",
    "CREATE TABLE IF NOT EXISTS bench_event (id bigserial PRIMARY KEY, counter int NOT NULL, at timestamptz NOT NULL)",
    "INSERT INTO bench_counter VALUES (1, 0) ON CONFLICT DO NOTHING",
)


@csrf_exempt
def baseline(request):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE bench_counter SET n = n + 1 WHERE id = 1 RETURNING n")
        n = cursor.fetchone()[0]
        cursor.execute("INSERT INTO bench_event (counter, at) VALUES (1, now())")
    return JsonResponse({"n": n}, status=201)


handler404 = "loyalty.urls.handler404"
urlpatterns = [path("bench/baseline", baseline), *product]
