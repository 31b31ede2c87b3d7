#include "chat_media_model.h"

#include "ui_logging.h"

#include "core/store/message_store.h"

#include <QRegularExpression>

namespace tidings::ui {

ChatMediaModel::ChatMediaModel(client::MessageStore *messages, MediaPort *media, Category category,
                               QObject *parent)
    : QAbstractListModel(parent)
    , m_messages(messages)
    , m_media(media)
    , m_category(category) {
    if (media)
        connect(media, &MediaPort::downloaded, this, &ChatMediaModel::onDownloaded);
}

QList<QUrl> ChatMediaModel::linksIn(const QString &text) {
    static const QRegularExpression link(QStringLiteral(R"((?:https?://|www\.)[^\s<>"'«»“”]+)"),
                                         QRegularExpression::CaseInsensitiveOption);
    QList<QUrl> out;
    for (auto it = link.globalMatch(text); it.hasNext();) {
        QString s = it.next().captured(0);
        // Sentence punctuation after a link is not part of it (but a closing bracket of a
        // bracket inside it is).
        while (!s.isEmpty() && QStringLiteral(".,;:!?)]}").contains(s.back())) {
            if ((s.back() == u')' && s.count(u'(') >= s.count(u')')) ||
                (s.back() == u']' && s.count(u'[') >= s.count(u']')))
                break;
            s.chop(1);
        }
        if (s.startsWith(QStringLiteral("www."), Qt::CaseInsensitive))
            s.prepend(QStringLiteral("https://"));
        const QUrl url(s, QUrl::StrictMode);
        if (url.isValid() && !url.host().isEmpty())
            out.append(url);
    }
    return out;
}

void ChatMediaModel::setConversation(quint64 conversationId) {
    m_conversationId = conversationId;
    reload();
}

void ChatMediaModel::reload() {
    beginResetModel();
    m_items.clear();
    m_before = 0;
    m_atEnd = m_conversationId == 0;
    endResetModel();
    // The first screenful now; the rest as the list scrolls.
    while (canFetchMore({}) && m_items.size() < kWanted)
        fetchMore({});
}

void ChatMediaModel::append(const client::MessageRecord &m, QList<Item> *out) const {
    if (m.event || m.undecryptable)
        return;
    const qint64 time = m.serverTimeMs > 0 ? m.serverTimeMs : m.sentAtMs;
    if (m_category == Category::Links) {
        // In the order they are written (messages themselves newest first).
        for (const QUrl &url : linksIn(m.text))
            out->append(
                Item{{}, url, m.seq, m.rowId, m.clientMessageId, time, m.senderUsername, m.text});
        return;
    }
    if (!m_media)
        return;
    const QList<Attachment> list = m_media->attachments(m);
    for (auto it = list.crbegin(); it != list.crend(); ++it) {
        if (it->isVisual() != (m_category == Category::Media))
            continue;
        out->append(
            Item{*it, {}, m.seq, m.rowId, m.clientMessageId, time, m.senderUsername, m.text});
    }
}

bool ChatMediaModel::canFetchMore(const QModelIndex &parent) const {
    return !parent.isValid() && !m_atEnd;
}

void ChatMediaModel::fetchMore(const QModelIndex &parent) {
    if (!canFetchMore(parent))
        return;
    // The newest page includes the pending messages (my own uploads); older pages by seq.
    auto page = m_before == 0 ? m_messages->latest(m_conversationId, kPage)
                              : m_messages->olderThan(m_conversationId, m_before, kPage);
    if (!page) {
        qCWarning(lcUiModels) << "cannot read the media of chat" << m_conversationId;
        m_atEnd = true;
        return;
    }
    QList<Item> found;
    quint64 oldest = m_before;
    int stored = 0;
    for (auto it = page->crbegin(); it != page->crend(); ++it) { // newest first
        append(*it, &found);
        if (it->seq > 0) {
            ++stored;
            oldest = oldest == 0 ? it->seq : qMin(oldest, it->seq);
        }
    }
    m_atEnd = stored < kPage || oldest <= 1 || oldest == m_before;
    m_before = oldest;
    if (found.isEmpty())
        return;
    const int first = int(m_items.size());
    beginInsertRows(QModelIndex(), first, first + int(found.size()) - 1);
    m_items.append(found);
    endInsertRows();
}

int ChatMediaModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_items.size());
}

QVariant ChatMediaModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Item &it = m_items.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return m_category == Category::Links ? it.url.toDisplayString() : it.attachment.fileName;
    case Qt::ToolTipRole:
    case Qt::AccessibleTextRole:
        if (m_category == Category::Links)
            return it.url.toDisplayString();
        return tr("%1 “%2”, %3")
            .arg(kindLabel(it.attachment.kind), it.attachment.fileName,
                 formatBytes(it.attachment.size));
    case AttachmentRole:
        return m_category == Category::Links ? QVariant() : QVariant::fromValue(it.attachment);
    case UrlRole:
        return it.url;
    case SeqRole:
        return it.seq;
    case RowIdRole:
        return it.rowId;
    case ClientIdRole:
        return it.clientMessageId;
    case TimestampRole:
        return it.timeMs;
    case SenderRole:
        return it.sender;
    case TextRole:
        return it.text;
    default:
        return {};
    }
}

void ChatMediaModel::onDownloaded(quint64 conversationId, quint64 seq, const QString &localPath) {
    if (conversationId != m_conversationId || m_category == Category::Links)
        return;
    for (int i = 0; i < m_items.size(); ++i) {
        if (m_items.at(i).seq != seq)
            continue;
        m_items[i].attachment.localPath = localPath;
        m_items[i].attachment.transfer = Attachment::Transfer::Done;
        emit dataChanged(index(i), index(i));
    }
}

} // namespace tidings::ui
