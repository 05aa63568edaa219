"""A maintenance script, written the pre-3.7 way."""
import asyncio

from .db import async_session, engine
from .models import Base


async def create_tables():
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)


async def vacuum():
    async with async_session() as session:
        await session.execute("VACUUM")


if __name__ == "__main__":
    loop = asyncio.get_event_loop()
    loop.run_until_complete(create_tables())
    vacuum()
