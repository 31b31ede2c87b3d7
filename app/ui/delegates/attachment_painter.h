#pragma once
// How an attachment looks inside its bubble: photos and videos at their aspect ratio (the blurred
// inline thumbnail first, the decoded picture once the file is here), a file row (icon, name,
// size, progress) and an audio/voice row (play button, waveform, position, speed). Progress,
// cancel, retry and download sit on the bubble itself; hitTest() says what a click there means.
#include "media/media_port.h"

#include <QRect>

class QFont;
class QPainter;

namespace tidings::ui {

class AudioPlayback;
class ImageCache;
class VideoPosters;
struct Colors;

namespace attachment_layout {

enum class Block { Visual, FileRow, AudioRow };
Block blockOf(const Attachment &a);
//! The size of the attachment's block for a bubble at most `maxWidth` wide.
QSize blockSize(const Attachment &a, int maxWidth, const QFont &font);
//! Padding between a visual block and the bubble's edge (file and audio rows use the text's).
constexpr int kVisualPad = 3;

//! What a point in the block is.
enum class Hit {
    None,
    Open,     //!< the picture, the file row, or a downloaded video: open, play
    Action,   //!< the round button: cancel a transfer, retry, download, play/pause
    Speed,    //!< the speed pill of an audio row
    Waveform, //!< seek (fraction in `*fraction`)
};
Hit hitTest(const Attachment &a, const QRect &block, QPoint pos, double *fraction = nullptr);

struct PaintContext {
    ImageCache *images = nullptr;
    VideoPosters *posters = nullptr; //!< first frames of downloaded videos
    AudioPlayback *audio = nullptr;
    qint64 key = 0; //!< the message's row id (which audio note plays)
    bool mine = false;
    qreal dpr = 1.0;
    const Colors *colors = nullptr;
};
void paint(QPainter *painter, const QRect &block, const Attachment &a, const QFont &font,
           const PaintContext &ctx);

//! What the round button does now (accessible text and the context menu use it).
enum class ActionKind { None, Cancel, Retry, Download, Play, Pause };
ActionKind actionOf(const Attachment &a, bool mine, bool playing);

} // namespace attachment_layout
} // namespace tidings::ui
