import asyncio

import aiohttp
from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .db import get_session
from .models import Order

router = APIRouter()
PRICES_URL = "https://prices.example.com/api"


async def notify_warehouse(order_id: int) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{PRICES_URL}/ship/{order_id}") as resp:
            resp.raise_for_status()


async def fetch_price(http: aiohttp.ClientSession, sku: str) -> float:
    async with http.get(f"{PRICES_URL}/{sku}") as resp:
        return (await resp.json())["price"]


@router.post("/orders/{order_id}/ship")
async def ship(order_id: int, session: AsyncSession = Depends(get_session)):
    order = await session.get(Order, order_id)
    order.status = "shipped"
    await session.commit()
    # fire and forget: the task can be garbage-collected mid-flight
    asyncio.create_task(notify_warehouse(order_id))
    return {"status": order.status}


@router.get("/prices")
async def prices(skus: str):
    async with aiohttp.ClientSession() as http:
        results = await asyncio.gather(
            *(fetch_price(http, sku) for sku in skus.split(",")),
            return_exceptions=True,
        )
    # a failed lookup puts an exception object in `results`
    return {"total": sum(results)}


@router.get("/orders")
async def list_orders(session: AsyncSession = Depends(get_session)):
    loop = asyncio.get_event_loop()
    started = loop.time()
    rows = await session.execute(select(Order))
    return {"orders": rows.scalars().all(), "took": loop.time() - started}


@router.post("/orders/{order_id}/refund")
async def refund(order_id: int, session: AsyncSession = Depends(get_session)):
    order = await session.get(Order, order_id)
    order.status = "refunded"
    # a sync helper that grew an event loop of its own
    asyncio.run(notify_warehouse(order_id))
    await session.commit()
    return {"status": order.status}
