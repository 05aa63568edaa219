"""The SQLAlchemy family: AsyncSession lifecycle, concurrency and transactions."""
