"""The ledger's "once" indexes back, and one index fewer.

On PostgreSQL, 0006 (AlterField … db_index=False on `purchase` and `reverses`) dropped, with the plain indexes it
meant to drop, the partial unique indexes of the constraints one_earn_per_purchase and one_expiry_per_lot: Django
looks the old index up by its column and type and took the constraints' indexes for it. The migration state still
has the constraints, so they are created again here, by SQL, where they are missing (IF NOT EXISTS: on SQLite they
survived, the table being rebuilt). And the index on `shop` alone goes: (shop, occurred_at) serves every lookup by
shop, and each ledger write paid for both."""

import django.db.models.deletion
from django.db import migrations, models

ONCE = (
    "CREATE UNIQUE INDEX IF NOT EXISTS one_earn_per_purchase ON loyalty_ledgerentry (purchase_id)"
    " WHERE kind = 'earn'",
    "CREATE UNIQUE INDEX IF NOT EXISTS one_expiry_per_lot ON loyalty_ledgerentry (reverses_id)"
    " WHERE kind = 'expire'",
)


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0014_shop_branding"),
    ]

    operations = [
        *[migrations.RunSQL(sql, reverse_sql=migrations.RunSQL.noop) for sql in ONCE],
        migrations.AlterField(
            model_name="ledgerentry",
            name="shop",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="loyalty.shop"
            ),
        ),
    ]
