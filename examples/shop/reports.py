import asyncio

from fastapi import APIRouter, Depends
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .db import async_session
from .models import Order

router = APIRouter()


async def get_db():
    return async_session()


async def count_orders(db: AsyncSession) -> int:
    return await db.scalar(select(func.count(Order.id)))


async def shipped_orders(db: AsyncSession) -> int:
    shipped = select(func.count(Order.id)).where(Order.status == "shipped")
    return await db.scalar(shipped)


@router.get("/reports/orders")
async def order_report(db: AsyncSession = Depends(get_db)):
    # "independent queries, run them in parallel" -- on one session
    total, shipped = await asyncio.gather(
        count_orders(db), shipped_orders(db)
    )
    return {"total": total, "shipped": shipped}


@router.post("/orders")
async def create_order(db: AsyncSession = Depends(get_db)):
    order = Order()
    db.add(order)
    try:
        await db.commit()
    except Exception:
        return {"created": False}
    return {"id": order.id, "status": order.status}
