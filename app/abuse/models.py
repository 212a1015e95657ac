from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base


class RateLimitWindow(Base):
    """Hits per client and action in one fixed time window; in the database so that every
    uvicorn worker sees the same counts (the app keeps no state of its own)."""

    __tablename__ = "rate_limit_window"

    # HMAC of the client address: the address itself is never stored
    client_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    action: Mapped[str] = mapped_column(String(20), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True,
                                                   index=True)
    hits: Mapped[int] = mapped_column(Integer)
