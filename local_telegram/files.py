"""Stored files (uploads by the bot, media sent by simulated users) and their Bot API shapes."""

from __future__ import annotations

import mimetypes
import struct
from dataclasses import dataclass
from typing import Any

# Tiny placeholder payloads for media "sent" by simulated users.
PLACEHOLDER_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
PLACEHOLDER_OGG = b"OggS" + bytes(60)
PLACEHOLDER_WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(24)


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # document | photo | sticker | voice
    content: bytes
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    duration: int = 0

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def file_path(self) -> str:
        folder = {"photo": "photos", "sticker": "stickers", "voice": "voice"}.get(
            self.kind, "documents"
        )
        extension = mimetypes.guess_extension(self.mime_type or "") or ""
        if self.file_name and "." in self.file_name:
            extension = "." + self.file_name.rsplit(".", 1)[1]
        return f"{folder}/{self.file_unique_id}{extension}"

    def base(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }

    def document(self) -> dict[str, Any]:
        data = self.base()
        if self.file_name:
            data["file_name"] = self.file_name
        if self.mime_type:
            data["mime_type"] = self.mime_type
        return data

    def photo(self) -> list[dict[str, Any]]:
        return [{**self.base(), "width": self.width, "height": self.height}]

    def sticker(self) -> dict[str, Any]:
        return {
            **self.base(),
            "type": "regular",
            "width": self.width or 512,
            "height": self.height or 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }

    def voice(self) -> dict[str, Any]:
        return {**self.base(), "duration": self.duration or 1, "mime_type": "audio/ogg"}

    def get_file(self) -> dict[str, Any]:
        return {**self.base(), "file_path": self.file_path}

    def summary(self) -> dict[str, Any]:
        """The shape used in the control API's sent log."""
        try:
            text: str | None = self.content.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        return {
            "file_id": self.file_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "content_text": text,
            "size": self.size,
        }


def guess_mime_type(file_name: str | None, declared: str | None) -> str:
    if declared and declared != "application/octet-stream":
        return declared
    guessed = mimetypes.guess_type(file_name or "", strict=False)[0]
    return guessed or declared or "application/octet-stream"


def image_size(content: bytes) -> tuple[int, int]:
    """Width and height of a PNG, GIF or JPEG image; (0, 0) when unknown."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return int(width), int(height)
    if content[:6] in (b"GIF87a", b"GIF89a") and len(content) >= 10:
        width, height = struct.unpack("<HH", content[6:10])
        return int(width), int(height)
    if content.startswith(b"\xff\xd8"):
        return _jpeg_size(content)
    return 0, 0


def _jpeg_size(content: bytes) -> tuple[int, int]:
    i = 2
    while i + 9 < len(content):
        if content[i] != 0xFF:
            return 0, 0
        marker = content[i + 1]
        (length,) = struct.unpack(">H", content[i + 2 : i + 4])
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE):
            height, width = struct.unpack(">HH", content[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + length
    return 0, 0
