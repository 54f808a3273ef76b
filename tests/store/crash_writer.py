"""Child process for the crash test: writes merchants, products, stock moves and deletes
through the Store as fast as it can until it is killed, printing a line after each
committed write (so the test kills it after a number of writes, not after a time)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

from kiosk_app.store.regions import import_regions_csv
from kiosk_app.store.store import Store
from tests.support import SAMPLE_REGIONS, VILLAGE


def main(path: str, seed: int) -> None:
    rng = random.Random(seed)
    store = Store.open(Path(path))
    if store.region_name(VILLAGE) is None:
        import_regions_csv(store.db, SAMPLE_REGIONS)
    print("ready", flush=True)
    merchants: list[str] = []
    products: list[str] = []
    n = 0
    while True:
        n += 1
        roll = rng.random()
        if not merchants or roll < 0.15:
            merchants.append(
                store.create(
                    "merchant",
                    {
                        "business_name": f"Warung {n}",
                        "owner_name": f"Pemilik {n}",
                        "phone": f"0812{rng.randrange(10**7, 10**8)}",
                        "village_code": VILLAGE,
                    },
                )
            )
        elif roll < 0.45 or not products:
            products.append(
                store.create(
                    "product",
                    {
                        "merchant_id": rng.choice(merchants),
                        "name": f"Produk {n}",
                        "price": rng.randrange(1000, 100000),
                        "stock": rng.randrange(0, 50),
                    },
                )
            )
        elif roll < 0.7:
            store.update("product", rng.choice(products), {"price": rng.randrange(1000, 99000)})
        elif roll < 0.9:
            store.move_stock(rng.choice(products), rng.randrange(1, 20))
        else:
            victim = products.pop(rng.randrange(len(products)))
            store.delete("product", victim)
        print(n, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
