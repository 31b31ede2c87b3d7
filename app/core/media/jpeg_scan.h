#pragma once
// libjpeg treats a truncated file as a warning and fills the missing rows with grey, so Qt hands
// back a "valid" half image. Sending that as a photo would be wrong: walk the JPEG's segments
// (streaming, bounded memory) and require the end-of-image marker after the entropy data.
class QIODevice;

namespace tidings::client::media {

//! True when `device` (at its start) holds a JPEG whose segments run up to an EOI marker.
bool jpegIsComplete(QIODevice &device);

} // namespace tidings::client::media
