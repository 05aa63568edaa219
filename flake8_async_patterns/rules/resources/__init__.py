"""Async resources: aiohttp/httpx clients, aiofiles files, asyncpg connections and pools, responses."""
