"""A FastAPI + SQLAlchemy + aiohttp shop full of asyncio mistakes."""
