"""Facts about asyncio and the libraries the rules know, as data tables and free functions over
the context.  One module per library; nothing here knows a rule."""
