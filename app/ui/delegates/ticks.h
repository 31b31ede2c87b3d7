#pragma once
// Delivery marks drawn as vectors: a clock for pending, one tick stored, two ticks delivered,
// two blue ticks read, a red exclamation mark for failed.
#include "core/store/records.h"

#include <QColor>
#include <QRectF>

class QPainter;

namespace tidings::ui {

struct Colors;

//! Width the marks take for a line of height `h`.
qreal ticksWidth(qreal h);
void paintTicks(QPainter *painter, const QRectF &rect, client::MessageState state,
                const Colors &colors);
//! Paints a small speaker with a slash (muted) or a pin, in `color`.
void paintMutedIcon(QPainter *painter, const QRectF &rect, const QColor &color);
void paintPinIcon(QPainter *painter, const QRectF &rect, const QColor &color);

} // namespace tidings::ui
