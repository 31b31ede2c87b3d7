#pragma once
// Photos decoded with libjpeg-turbo directly, for sending. libjpeg scales in the DCT by any
// factor M/8, Qt's JPEG reader only by 1/2, 1/4 or 1/8 and smooth-scales the rest: a 4032×3024
// photo capped at 2560 pixels was a full 12-megapixel decode plus a smooth scale (~180 ms of the
// ~270 ms a 4 MB photo took to prepare on the project machine); at 5/8 it decodes straight to
// 2520×1890 (~65 ms). docs/PERFORMANCE.md, "Media".
#include <QByteArray>
#include <QImage>

namespace tidings::client::media {

//! Decodes the JPEG in `data` at the largest scale M/8 whose long side is at most `longSide`
//! (when that is under 90 % of it: one step larger, smooth-scaled down to `longSide`), as RGB32
//! with the file's ICC colour space; no EXIF orientation is applied. A null image when libjpeg
//! does not decode it here (CMYK, a damaged file, more than `maxBytes` of pixels): the caller
//! decodes with QImageReader instead, which also says what is wrong.
QImage decodeJpegToFit(const QByteArray &data, int longSide, qint64 maxBytes);

} // namespace tidings::client::media
