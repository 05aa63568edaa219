from sqlalchemy.ext.asyncio import (
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

engine = create_async_engine("sqlite+aiosqlite:///shop.db")
async_session = async_sessionmaker(engine)


async def get_session():
    async with async_session() as session:
        yield session


async def save(session: AsyncSession, obj):
    session.add(obj)
    session.commit()
