"""短信包管理: the package products shown on the website and the purchase page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from smsconsole.services import adminlog
from smsconsole.services import validation as v
from smsconsole.services.context import Actor, Context
from smsconsole.services.errors import Conflict, Invalid, NotFound
from smsconsole.services.views import Plain
from smsconsole.store.models import Order, PackageProduct, SmsType


@dataclass
class PackageInput:
    name: str = ""
    sms_type: str = SmsType.NOTIFICATION.value
    message_count: int | str = 0
    unit_price: int | str = 0  # fen (int) or yuan text ("0.04")
    validity_days: int | str = 365
    price: int | str = 0  # fen (int) or yuan text ("400.00")
    recommended: bool = False
    on_sale: bool = True


@dataclass(frozen=True)
class PackageView(Plain):
    """One package product, as ``list``, ``on_sale``, ``get``, ``create`` and ``update``
    return it."""

    id: int
    name: str
    sms_type: SmsType
    message_count: int
    unit_price_fen: int
    validity_days: int
    price_fen: int
    recommended: bool
    on_sale: bool
    retired: bool
    created_at: object
    updated_at: object


def _recommended(data: PackageInput) -> bool:
    """Only a package on sale can be recommended (the web page shows it as one to buy)."""
    if data.recommended and not data.on_sale:
        raise Invalid("error.package.recommended_off_sale", "recommended")
    return bool(data.recommended)


class PackageService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def validate(self, data: PackageInput) -> dict:
        return v.every(
            name=lambda: v.text(data.name, "name", max_len=64),
            sms_type=lambda: v.one_of(data.sms_type, SmsType, "sms_type"),
            message_count=lambda: v.positive_int(data.message_count, "message_count",
                                                 maximum=100_000_000),
            unit_price_fen=lambda: v.money_fen(data.unit_price, "unit_price", allow_zero=True),
            validity_days=lambda: v.positive_int(data.validity_days, "validity_days",
                                                 maximum=3650),
            price_fen=lambda: v.money_fen(data.price, "price"),
            recommended=lambda: _recommended(data),
            on_sale=lambda: bool(data.on_sale),
        )

    def list(self, include_retired: bool = False, search: str = "") -> list[PackageView]:
        stmt = select(PackageProduct).order_by(PackageProduct.id.desc())
        if not include_retired:
            stmt = stmt.where(PackageProduct.retired.is_(False))
        term = v.search(search)
        if term:
            stmt = stmt.where(v.contains(PackageProduct.name, term))
        with self.ctx.store.read() as s:
            return [PackageView.of(p) for p in s.scalars(stmt)]

    def on_sale(self) -> list[PackageView]:
        """What the portal offers."""
        stmt = (select(PackageProduct)
                .where(PackageProduct.on_sale.is_(True), PackageProduct.retired.is_(False))
                .order_by(PackageProduct.recommended.desc(), PackageProduct.price_fen))
        with self.ctx.store.read() as s:
            return [PackageView.of(p) for p in s.scalars(stmt)]

    def get(self, package_id: int) -> PackageView:
        with self.ctx.store.read() as s:
            pkg = s.get(PackageProduct, package_id)
            if pkg is None:
                raise NotFound("error.package.not_found", id=package_id)
            return PackageView.of(pkg)

    def create(self, actor: Actor, data: PackageInput) -> PackageView:
        fields = self.validate(data)
        now = self.ctx.clock.now()
        with self.ctx.store.session() as s:
            pkg = PackageProduct(created_at=now, updated_at=now, **fields)
            s.add(pkg)
            s.flush()
            adminlog.record(s, self.ctx, actor, "package.create", target_type="package",
                            target_id=pkg.id, target=pkg.name,
                            detail=adminlog.changes({}, fields))
            return PackageView.of(pkg)

    def update(self, actor: Actor, package_id: int, data: PackageInput) -> PackageView:
        fields = self.validate(data)
        with self.ctx.store.session() as s:
            pkg = s.get(PackageProduct, package_id)
            if pkg is None:
                raise NotFound("error.package.not_found", id=package_id)
            if pkg.retired:
                raise Conflict("error.package.retired", name=pkg.name)
            old = {k: getattr(pkg, k) for k in fields}
            for k, val in fields.items():
                setattr(pkg, k, val)
            pkg.updated_at = self.ctx.clock.now()
            diff = adminlog.changes(old, fields)
            if diff:
                adminlog.record(s, self.ctx, actor, "package.update", target_type="package",
                                target_id=pkg.id, target=pkg.name, detail=diff)
            return PackageView.of(pkg)

    def delete(self, actor: Actor, package_id: int) -> str:
        """Erase a product never ordered; retire (hide, keep) one that has orders.
        Returns ``"deleted"`` or ``"retired"``."""
        with self.ctx.store.session() as s:
            pkg = s.get(PackageProduct, package_id)
            if pkg is None:
                raise NotFound("error.package.not_found", id=package_id)
            orders = s.scalar(select(func.count()).select_from(Order)
                              .where(Order.package_id == pkg.id))
            if orders:
                if pkg.retired:
                    raise Conflict("error.package.retired", name=pkg.name)
                pkg.retired, pkg.on_sale = True, False
                pkg.updated_at = self.ctx.clock.now()
                outcome = "retired"
            else:
                s.delete(pkg)
                outcome = "deleted"
            action = "package.retire" if outcome == "retired" else "package.delete"
            adminlog.record(s, self.ctx, actor, action,
                            target_type="package", target_id=package_id, target=pkg.name,
                            detail={"orders": orders})
            return outcome

    def order_count(self, package_id: int) -> int:
        with self.ctx.store.read() as s:
            return s.scalar(select(func.count()).select_from(Order)
                            .where(Order.package_id == package_id)) or 0
