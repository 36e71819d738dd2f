"""Photos sent right after an activity is confirmed join it and are kept as files."""

from __future__ import annotations


from telegram import Update

from bot.context import BotContext
from handlers.common import keep_file
from services import activities


async def on_photo(update: Update, context: BotContext) -> None:
    """Attach the photo (largest size) to the person's activity confirmed in the last minutes (no form open)."""
    actor = await context.private_actor(update)
    msg = update.effective_message
    activity_id = await activities.photo_target(context.session, actor, now=context.now())
    photo = msg.photo[-1]
    path = await keep_file(photo, context.rt.data_dir / "photos" / str(activity_id), f"{photo.file_unique_id}.jpg")
    count = await activities.add_photo(
        context.session, actor, activity_id, file_id=photo.file_id, unique_id=photo.file_unique_id,
        path=path, now=context.now(),
    )
    if msg.media_group_id:  # an album arrives as one update per photo: answer its first one only
        seen: dict = context.bot_data.setdefault("albums", {})
        if msg.media_group_id in seen:
            return
        seen[msg.media_group_id] = True
        while len(seen) > 200:
            seen.pop(next(iter(seen)))
    await msg.reply_text(context._("📷 Photo added to activity #{id} ({n} in all).").format(id=activity_id, n=count))
