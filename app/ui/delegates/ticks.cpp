#include "ticks.h"

#include "look.h"

#include <QPainter>
#include <QPainterPath>

namespace tidings::ui {

qreal ticksWidth(qreal h) {
    return h * 1.25;
}

namespace {
void tick(QPainterPath &path, qreal x, qreal y, qreal s) {
    path.moveTo(x, y + s * 0.55);
    path.lineTo(x + s * 0.3, y + s * 0.85);
    path.lineTo(x + s * 0.9, y + s * 0.2);
}
} // namespace

void paintTicks(QPainter *painter, const QRectF &rect, client::MessageState state,
                const Colors &colors) {
    using client::MessageState;
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const qreal s = rect.height() * 0.8;
    const qreal y = rect.center().y() - s / 2;
    QPen pen(colors.secondaryText, qMax<qreal>(1.3, s / 8), Qt::SolidLine, Qt::RoundCap,
             Qt::RoundJoin);
    switch (state) {
    case MessageState::Pending: {
        painter->setPen(pen);
        const QRectF c(rect.left() + s * 0.2, y, s, s);
        painter->drawEllipse(c);
        painter->drawLine(c.center(), c.center() + QPointF(0, -s * 0.3));
        painter->drawLine(c.center(), c.center() + QPointF(s * 0.22, 0));
        break;
    }
    case MessageState::Failed: {
        pen.setColor(QColor(0xd9, 0x3a, 0x3a));
        painter->setPen(pen);
        const qreal x = rect.left() + s * 0.6;
        painter->drawLine(QPointF(x, y), QPointF(x, y + s * 0.6));
        painter->drawPoint(QPointF(x, y + s * 0.9));
        break;
    }
    case MessageState::Stored:
    case MessageState::Delivered:
    case MessageState::Read: {
        if (state == MessageState::Read)
            pen.setColor(colors.read);
        painter->setPen(pen);
        QPainterPath path;
        tick(path, rect.left(), y, s);
        if (state != MessageState::Stored)
            tick(path, rect.left() + s * 0.38, y, s);
        painter->drawPath(path);
        break;
    }
    case MessageState::Received:
        break;
    }
    painter->restore();
}

void paintMutedIcon(QPainter *painter, const QRectF &r, const QColor &color) {
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(color);
    const qreal w = r.width(), h = r.height();
    QPolygonF speaker;
    speaker << QPointF(r.left(), r.top() + h * 0.35)
            << QPointF(r.left() + w * 0.25, r.top() + h * 0.35)
            << QPointF(r.left() + w * 0.55, r.top() + h * 0.1)
            << QPointF(r.left() + w * 0.55, r.top() + h * 0.9)
            << QPointF(r.left() + w * 0.25, r.top() + h * 0.65)
            << QPointF(r.left(), r.top() + h * 0.65);
    painter->drawPolygon(speaker);
    painter->setPen(QPen(color, qMax<qreal>(1.2, w / 10), Qt::SolidLine, Qt::RoundCap));
    painter->drawLine(QPointF(r.left() + w * 0.68, r.top() + h * 0.32),
                      QPointF(r.right(), r.top() + h * 0.68));
    painter->drawLine(QPointF(r.left() + w * 0.68, r.top() + h * 0.68),
                      QPointF(r.right(), r.top() + h * 0.32));
    painter->restore();
}

void paintPinIcon(QPainter *painter, const QRectF &r, const QColor &color) {
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->translate(r.center());
    painter->rotate(45);
    const qreal s = r.height();
    painter->setPen(Qt::NoPen);
    painter->setBrush(color);
    painter->drawRoundedRect(QRectF(-s * 0.18, -s * 0.5, s * 0.36, s * 0.45), 1.5, 1.5);
    painter->drawRect(QRectF(-s * 0.32, -s * 0.08, s * 0.64, s * 0.1));
    painter->setPen(QPen(color, qMax<qreal>(1.2, s / 10), Qt::SolidLine, Qt::RoundCap));
    painter->drawLine(QPointF(0, 0), QPointF(0, s * 0.45));
    painter->restore();
}

} // namespace tidings::ui
