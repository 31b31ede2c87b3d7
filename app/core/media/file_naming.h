#pragma once
// File names and types of outgoing and incoming attachments. A received name is attacker
// controlled: it must never choose a directory, hide its real extension behind bidi controls,
// carry control characters into a terminal or a file dialog, or exceed what file systems take.
#include "media_types.h"

#include <QString>

namespace tidings::client::media {

//! At most this many UTF-8 bytes (ext4, NTFS, APFS: 255).
inline constexpr int kMaxFileNameBytes = 255;

//! The last path component (either separator), without control and format characters (bidi
//! overrides, zero-width), with characters Windows forbids replaced by '_', no leading dots or
//! trailing dots/spaces, not a reserved device name, capped at 255 UTF-8 bytes keeping the
//! extension, and "file" when nothing is left.
QString safeFileName(const QString &raw);

//! MIME type by content; the name only refines it (or decides when the content is unknown).
//! "application/octet-stream" when nothing fits.
QString detectMimeType(const QString &path);

//! How a file of this MIME type is sent. `voiceNote`: recorded in the app.
AttachmentKind kindForMimeType(const QString &mimeType, bool voiceNote = false);

} // namespace tidings::client::media
