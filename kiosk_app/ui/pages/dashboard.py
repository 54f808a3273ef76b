"""Home: today's work at a glance and big buttons for the common jobs."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.domain.money import format_rupiah
from kiosk_app.store import queries
from kiosk_app.store.queries import TodayCounts
from kiosk_app.ui.router import Router
from kiosk_app.ui.session import Session
from kiosk_app.ui.tasks import TaskRunner
from kiosk_app.ui.widgets.common import big_button, hint_label, page_layout, title_label


def _card(caption: str, name: str) -> tuple[QFrame, QLabel]:
    card = QFrame()
    card.setProperty("role", "card")
    column = QVBoxLayout(card)
    number = QLabel("–")
    number.setObjectName(name)
    number.setProperty("role", "bigNumber")
    column.addWidget(number)
    label = QLabel(caption)
    label.setWordWrap(True)
    column.addWidget(label)
    return card, number


class DashboardPage(QWidget):
    """Counts of merchants and products added today, the latest ones, and shortcuts."""

    def __init__(self, runner: TaskRunner, session: Session, router: Router) -> None:
        super().__init__()
        self.setObjectName("dashboardPage")
        self._runner = runner
        self._session = session
        layout = page_layout(self)
        self.greeting = title_label("")
        layout.addWidget(self.greeting)
        layout.addWidget(hint_label(self.tr("Today's work on this kiosk.")))

        cards = QHBoxLayout()
        card, self.merchants_today = _card(self.tr("new merchants today"), "merchantsToday")
        cards.addWidget(card)
        card, self.products_today = _card(self.tr("new products today"), "productsToday")
        cards.addWidget(card)
        card, self.merchants_total = _card(self.tr("merchants in total"), "merchantsTotal")
        cards.addWidget(card)
        card, self.products_total = _card(self.tr("products in total"), "productsTotal")
        cards.addWidget(card)
        layout.addLayout(cards)

        jobs = QGridLayout()
        jobs.setSpacing(12)
        register = big_button(
            self.tr("Register a new merchant"), kind="primary", name="jobRegister"
        )
        register.clicked.connect(lambda: router.go("merchant_form"))
        add_product = big_button(self.tr("Add a product"), kind="primary", name="jobAddProduct")
        add_product.clicked.connect(lambda: router.go("product_editor"))
        find = big_button(self.tr("Find a merchant"), name="jobFindMerchant")
        find.clicked.connect(lambda: router.go("merchants"))
        catalog = big_button(self.tr("See all products"), name="jobProducts")
        catalog.clicked.connect(lambda: router.go("products"))
        for n, button in enumerate((register, add_product, find, catalog)):
            button.setMinimumHeight(72)
            jobs.addWidget(button, n // 2, n % 2)
        layout.addLayout(jobs)

        recent = QHBoxLayout()
        self.recent_merchants = QListWidget()
        self.recent_merchants.setObjectName("recentMerchants")
        self.recent_products = QListWidget()
        self.recent_products.setObjectName("recentProducts")
        for caption, widget in (
            (self.tr("Merchants registered today"), self.recent_merchants),
            (self.tr("Products added today"), self.recent_products),
        ):
            column = QVBoxLayout()
            column.addWidget(QLabel(caption))
            column.addWidget(widget)
            recent.addLayout(column)
        layout.addLayout(recent, 1)

    def enter(self, params: dict[str, Any]) -> None:
        name = self._session.operator.name if self._session.operator else ""
        self.greeting.setText(self.tr("Hello, {name}").format(name=name))
        self._runner.run_task(queries.today, self._show, context=self)

    def _show(self, counts: TodayCounts) -> None:
        self.merchants_today.setText(str(counts.merchants_today))
        self.products_today.setText(str(counts.products_today))
        self.merchants_total.setText(str(counts.merchants_total))
        self.products_total.setText(str(counts.products_total))
        self.recent_merchants.clear()
        for m in counts.recent_merchants:
            self.recent_merchants.addItem(f"{m['business_name']} — {m['village'] or ''}")
        self.recent_products.clear()
        for p in counts.recent_products:
            price = format_rupiah(int(p["price"] or 0))
            self.recent_products.addItem(f"{p['name']} — {price}")
        if not counts.recent_merchants:
            self.recent_merchants.addItem(self.tr("None yet today"))
        if not counts.recent_products:
            self.recent_products.addItem(self.tr("None yet today"))
