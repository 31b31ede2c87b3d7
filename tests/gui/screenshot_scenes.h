#pragma once
// Made-up but photo-like pictures for docs/screenshots (a sunset over the sea, a cathedral at
// night, hills with a river, a bridge at dusk), the frames of a short boat-ride video, and the
// ffmpeg calls that turn them into the files a person would send.
#include <QImage>
#include <QString>

namespace tidings::test::scenes {

enum class Photo { Sunset, Cathedral, Hills, Bridge };
QImage photo(Photo which, QSize size);
//! Frame `index` of the boat ride (25 frames a second).
QImage boatFrame(int index, QSize size);

//! Writes the boat ride (H.264 + AAC in MP4, `seconds` long) with ffmpeg; false without it.
bool writeBoatVideo(const QString &ffmpeg, const QString &path, int seconds);
//! Writes a voice-like Ogg/Opus note (syllables of a hummed tone) of `seconds` with ffmpeg.
bool writeVoiceNote(const QString &ffmpeg, const QString &path, int seconds);
//! A file of `bytes` bytes that starts like a PDF.
bool writeDocument(const QString &path, qint64 bytes);

} // namespace tidings::test::scenes
