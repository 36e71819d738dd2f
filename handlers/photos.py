"""Photos sent right after an activity is confirmed join it and are kept as files."""

from __future__ import annotations

import logging
from pathlib import Path

from telegram import Update
from telegram.error import TelegramError

from bot.context import BotContext
from services import activities

log = logging.getLogger(__name__)


async def on_photo(update: Update, context: BotContext) -> None:
    """Attach the photo (largest size) to the person's activity confirmed in the last minutes (no form open)."""
    actor = await context.private_actor(update)
    msg = update.effective_message
    activity_id = await activities.photo_target(context.session, actor, now=context.now())
    photo = msg.photo[-1]
    folder = context.rt.data_dir / "photos" / str(activity_id)
    path: Path | None = folder / f"{photo.file_unique_id}.jpg"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        file = await photo.get_file()
        await file.download_to_drive(path)
    except (TelegramError, OSError) as exc:  # the file id is kept, the bytes can be fetched again later
        log.warning("photo %s not downloaded: %s", photo.file_unique_id, exc)
        path = None
    count = await activities.add_photo(
        context.session, actor, activity_id, file_id=photo.file_id, unique_id=photo.file_unique_id,
        path=str(path) if path else None, now=context.now(),
    )
    if msg.media_group_id:  # an album arrives as one update per photo: answer its first one only
        seen: dict = context.bot_data.setdefault("albums", {})
        if msg.media_group_id in seen:
            return
        seen[msg.media_group_id] = True
        while len(seen) > 200:
            seen.pop(next(iter(seen)))
    await msg.reply_text(context._("📷 Photo added to activity #{id} ({n} in all).").format(id=activity_id, n=count))
