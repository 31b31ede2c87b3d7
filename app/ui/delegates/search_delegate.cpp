#include "search_delegate.h"

#include "core/store/search_index.h"
#include "look.h"
#include "models/search_model.h"

#include <QPainter>
#include <QTextLayout>

namespace tidings::ui {

namespace {
// Strips the match markers and returns the highlighted ranges, starting shortly before the
// first match so it is visible in one line.
QString plainWithRanges(const QString &marked, QList<QPair<int, int>> *ranges) {
    QString out;
    int start = -1;
    for (const QChar c : marked) {
        if (c == client::SearchIndex::kMatchOpen) {
            start = int(out.size());
        } else if (c == client::SearchIndex::kMatchClose) {
            if (start >= 0)
                ranges->append({start, int(out.size()) - start});
            start = -1;
        } else {
            out += c == QLatin1Char('\n') ? QLatin1Char(' ') : c;
        }
    }
    if (!ranges->isEmpty() && ranges->first().first > 24) {
        const int cut = ranges->first().first - 16;
        out = QStringLiteral("…") + out.mid(cut);
        for (auto &r : *ranges)
            r.first -= cut - 1;
    }
    return out;
}
} // namespace

QSize SearchDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const {
    const QFontMetrics fm(option.font);
    const auto kind = SearchModel::Kind(index.data(SearchModel::KindRole).toInt());
    if (kind == SearchModel::Kind::Header)
        return QSize(200, fm.height() + 12);
    if (kind == SearchModel::Kind::Chat)
        return QSize(200, 48);
    return QSize(200, qMax(64, fm.height() * 2 + 26));
}

void SearchDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                           const QModelIndex &index) const {
    painter->save();
    const Colors colors = Colors::from(option.palette);
    const QRect r = option.rect;
    const auto kind = SearchModel::Kind(index.data(SearchModel::KindRole).toInt());
    const bool selected = option.state & QStyle::State_Selected;
    const QFontMetrics fm(option.font);
    if (kind == SearchModel::Kind::Header) {
        painter->fillRect(r, option.palette.color(QPalette::AlternateBase));
        QFont f = option.font;
        f.setBold(true);
        painter->setFont(f);
        painter->setPen(colors.secondaryText);
        painter->drawText(r.adjusted(12, 0, -12, 0), Qt::AlignLeft | Qt::AlignVCenter,
                          index.data(SearchModel::TitleRole).toString());
        painter->restore();
        return;
    }
    if (selected)
        painter->fillRect(r, option.palette.color(QPalette::Highlight));
    const QColor text = selected ? option.palette.color(QPalette::HighlightedText) : colors.text;
    const int pad = kind == SearchModel::Kind::Chat ? 8 : 10;
    const int avatar = r.height() - 2 * pad;
    const QString title = index.data(SearchModel::TitleRole).toString();
    paintAvatar(painter, QRect(r.left() + 10, r.top() + pad, avatar, avatar), title,
                index.data(SearchModel::AvatarIdRole).toULongLong());
    const int left = r.left() + 20 + avatar;
    const int right = r.right() - 10;
    QFont bold = option.font;
    bold.setBold(true);
    painter->setFont(bold);
    painter->setPen(text);
    if (kind == SearchModel::Kind::Chat) {
        painter->drawText(QRect(left, r.top(), right - left, r.height()),
                          Qt::AlignLeft | Qt::AlignVCenter,
                          QFontMetrics(bold).elidedText(title, Qt::ElideRight, right - left));
        painter->restore();
        return;
    }
    const QString time = index.data(SearchModel::TimeTextRole).toString();
    const int timeW = fm.horizontalAdvance(time);
    painter->drawText(
        QRect(left, r.top() + pad, right - left - timeW - 8, fm.height()),
        Qt::AlignLeft | Qt::AlignVCenter,
        QFontMetrics(bold).elidedText(title, Qt::ElideRight, right - left - timeW - 8));
    painter->setFont(option.font);
    painter->setPen(selected ? text : colors.secondaryText);
    painter->drawText(QRect(right - timeW, r.top() + pad, timeW, fm.height()),
                      Qt::AlignRight | Qt::AlignVCenter, time);

    QList<QPair<int, int>> ranges;
    const QString plain = plainWithRanges(index.data(SearchModel::SnippetRole).toString(), &ranges);
    const int width = right - left;
    const QString shown = fm.elidedText(plain, Qt::ElideRight, width);
    QTextLayout layout(shown, option.font);
    QList<QTextLayout::FormatRange> formats;
    for (const auto &[start, length] : ranges) {
        if (start >= shown.size())
            continue;
        QTextLayout::FormatRange fr;
        fr.start = start;
        fr.length = qMin(length, int(shown.size()) - start);
        fr.format.setFontWeight(QFont::Bold);
        fr.format.setBackground(selected ? text.darker(160) : colors.highlight);
        fr.format.setForeground(selected ? text : colors.text);
        formats.append(fr);
    }
    layout.setFormats(formats);
    layout.beginLayout();
    QTextLine line = layout.createLine();
    line.setLineWidth(width);
    layout.endLayout();
    painter->setPen(selected ? text : colors.secondaryText);
    layout.draw(painter, QPointF(left, r.bottom() - pad - fm.height() + 1));
    painter->restore();
}

} // namespace tidings::ui
