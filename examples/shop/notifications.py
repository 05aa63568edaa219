import smtplib
import time
from email.message import EmailMessage
from pathlib import Path

import requests

TEMPLATES = Path(__file__).parent / "templates"
STOCK_URL = "https://warehouse.example.com/stock"


def render(name: str, **values: str) -> str:
    template = (TEMPLATES / f"{name}.txt").read_text()
    return template.format(**values)


async def send_receipt(email: str, order_id: int) -> None:
    message = EmailMessage()
    message["To"] = email
    message.set_content(render("receipt", order=str(order_id)))
    with smtplib.SMTP("localhost") as smtp:
        smtp.send_message(message)


async def stock_level(sku: str, attempts: int = 3) -> int:
    for attempt in range(attempts):
        response = requests.get(f"{STOCK_URL}/{sku}", timeout=5)
        if response.ok:
            return response.json()["level"]
        time.sleep(2 ** attempt)
    raise RuntimeError(f"no stock level for {sku}")
