#include "message_model.h"

#include "look.h"
#include "ui_logging.h"

#include "core/account/account.h"
#include "core/store/chat_list_reader.h"
#include "core/store/conversation_store.h"
#include "core/store/message_store.h"
#include "core/store/security_notice_store.h"
#include "core/store/storage.h"

#include <QDateTime>
#include <QMap>

#include <algorithm>
#include <limits>

namespace tidings::ui {

MessageModel::MessageModel(client::Storage *store, const client::Account *account, QObject *parent)
    : QAbstractListModel(parent)
    , m_store(store)
    , m_account(account) {}

quint64 MessageModel::myUserId() const {
    return m_account->userId();
}

QList<client::ReceiptTime> MessageModel::receiptTimes(quint64 seq) const {
    auto times = m_store->conversations().receiptTimes(m_conversation.id, seq);
    return times ? *times : QList<client::ReceiptTime>();
}

QDate MessageModel::dayOf(const client::MessageRecord &m) {
    const qint64 ms = m.serverTimeMs > 0 ? m.serverTimeMs : m.sentAtMs;
    return QDateTime::fromMSecsSinceEpoch(ms).date();
}

void MessageModel::setMediaPort(MediaPort *media) {
    if (m_media)
        disconnect(m_media, nullptr, this, nullptr);
    m_media = media;
    if (media) {
        connect(media, &MediaPort::transferChanged, this, &MessageModel::onTransferChanged);
        connect(media, &MediaPort::downloaded, this, &MessageModel::onDownloaded);
    }
}

QList<MessageModel::Item> MessageModel::itemsFor(const QList<client::MessageRecord> &messages,
                                                 QDate previousDay) const {
    // "Security code changed" notices sit after the message that was the last one when the key
    // changed (after_seq); those of an empty chat (0) before its first message.
    quint64 lo = std::numeric_limits<quint64>::max(), hi = 0;
    for (const auto &m : messages)
        if (m.seq > 0) {
            lo = std::min(lo, m.seq);
            hi = std::max(hi, m.seq);
        }
    const bool atStart = hi == 0 || lo <= 1;
    QMap<quint64, QList<client::MessageRecord>> notices;
    if (m_conversation.id && (hi > 0 || messages.isEmpty())) {
        auto found = m_store->securityNotices().between(m_conversation.id, atStart ? 0 : lo, hi);
        if (!found)
            qCWarning(lcUiModels) << "cannot read security notices:" << found.error().toString();
        else
            for (const auto &n : *found)
                notices[n.afterSeq].append(client::SecurityNoticeStore::asMessage(n));
    }
    QList<Item> items;
    items.reserve(messages.size() + 4);
    auto append = [&](const client::MessageRecord &m) {
        const QDate day = dayOf(m);
        if (day != previousDay) {
            items.append(Item{Kind::DaySeparator, {}, day, {}});
            previousDay = day;
        }
        items.append(Item{m.event ? Kind::SystemEvent : Kind::Message, m, day,
                          m_media && !m.event ? m_media->attachments(m) : QList<Attachment>()});
    };
    if (atStart)
        for (const auto &n : notices.value(0))
            append(n);
    for (const auto &m : messages) {
        append(m);
        if (m.seq > 0)
            for (const auto &n : notices.value(m.seq))
                append(n);
    }
    return items;
}

bool MessageModel::sameItem(const Item &a, const Item &b) {
    if (a.kind != b.kind)
        return false;
    if (hasMessage(a))
        return a.message.rowId == b.message.rowId;
    return a.day == b.day;
}

void MessageModel::clear() {
    beginResetModel();
    m_items.clear();
    m_conversation = {};
    m_hasOlder = false;
    endResetModel();
}

void MessageModel::open(quint64 conversationId, quint64 aroundSeq) {
    auto conv = m_store->conversations().conversation(conversationId);
    beginResetModel();
    m_items.clear();
    m_hasOlder = false;
    m_hasNewer = false;
    m_conversation = conv && conv->has_value() ? **conv : client::ConversationRecord{};
    m_conversation.id = conversationId;
    loadNames();
    int limit = kPageSize;
    if (!aroundSeq) {
        // Enough history for the first unread message and a little context above it; when
        // that is more than the window holds, the window starts at the first unread message.
        auto summary = m_store->chatList().chatSummary(conversationId);
        if (summary && summary->unread + 10 > limit) {
            if (summary->unread + 10 <= kMaxRows / 2)
                limit = summary->unread + 10;
            else
                aroundSeq = m_conversation.myReadSeq + 1;
        }
    }
    Result<QList<client::MessageRecord>> messages = QList<client::MessageRecord>();
    if (aroundSeq > 0) {
        // A little context above the target, then newer messages up to a few pages (all of
        // them, pending included, when the newest is near).
        auto above = m_store->messages().olderThan(conversationId, aroundSeq, 20);
        bool reachedNewest = true;
        const auto below = newerThan(aroundSeq - 1, 3 * kPageSize, &reachedNewest);
        if (above) {
            messages = *above;
            messages->append(below);
            m_hasNewer = !reachedNewest;
        } else {
            messages = above;
        }
    } else {
        messages = m_store->messages().latest(conversationId, limit);
    }
    if (messages) {
        m_items = itemsFor(*messages, QDate());
        const quint64 oldest = oldestStoredSeq();
        m_hasOlder = oldest > 1;
        // The divider goes above the first message of others newer than my read cursor.
        const quint64 me = m_account->userId();
        for (int i = 0; i < m_items.size(); ++i) {
            const auto &m = m_items.at(i).message;
            if (m_items.at(i).kind == Kind::Message && m.seq > m_conversation.myReadSeq &&
                !m.outgoing && m.senderUserId != me) {
                m_items.insert(i, Item{Kind::UnreadDivider, {}, m_items.at(i).day, {}});
                break;
            }
        }
    } else {
        qCWarning(lcUiModels) << "cannot read conversation" << conversationId;
    }
    endResetModel();
}

QList<client::MessageRecord> MessageModel::newerThan(quint64 afterSeq, int count,
                                                     bool *reachedNewest) {
    *reachedNewest = true;
    const quint64 id = m_conversation.id;
    auto newestPage = m_store->messages().latest(id, 1);
    if (!newestPage) {
        qCWarning(lcUiModels) << "cannot read conversation" << id;
        return {};
    }
    quint64 newest = 0;
    for (const auto &m : *newestPage)
        newest = qMax(newest, m.seq);
    if (newest > afterSeq + quint64(count)) {
        // MessageStore has no "newer than" page; olderThan over the next `count` seqs is one (seqs
        // of a conversation are dense, gaps are hidden or unavailable messages).
        for (quint64 upper = afterSeq + quint64(count); upper < newest; upper += quint64(count)) {
            auto page = m_store->messages().olderThan(id, upper + 1, count);
            if (!page) {
                qCWarning(lcUiModels) << "cannot read conversation" << id;
                return {};
            }
            QList<client::MessageRecord> out;
            for (const auto &m : *page)
                if (m.seq > afterSeq)
                    out.append(m);
            if (!out.isEmpty()) {
                *reachedNewest = false;
                return out;
            }
        }
    }
    // The newest is near: all of it and the pending messages after it.
    auto tail = m_store->messages().latest(id, count, afterSeq + 1);
    if (!tail) {
        qCWarning(lcUiModels) << "cannot read conversation" << id;
        return {};
    }
    return *tail;
}

int MessageModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_items.size());
}

QVariant MessageModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Item &item = m_items.at(index.row());
    const auto &m = item.message;
    switch (role) {
    case KindRole:
        return int(item.kind);
    case Qt::DisplayRole:
    case Qt::AccessibleTextRole:
        switch (item.kind) {
        case Kind::DaySeparator:
            return dayLabel(item.day);
        case Kind::UnreadDivider:
            return tr("Unread messages");
        case Kind::SystemEvent:
            return systemEventText(*m.event, m_account->userId());
        case Kind::Message: {
            QString text = displayText(m);
            if (role == Qt::AccessibleTextRole && !item.attachments.isEmpty()) {
                const Attachment &a = item.attachments.first();
                const QString what =
                    tr("%1 “%2”, %3").arg(kindLabel(a.kind), a.fileName, formatBytes(a.size));
                text = text.isEmpty() ? what : tr("%1, caption: %2").arg(what, text);
            }
            if (role == Qt::AccessibleTextRole)
                return tr("%1 at %2: %3")
                    .arg(m.outgoing ? tr("You") : senderName(m),
                         clockTime(m.serverTimeMs > 0 ? m.serverTimeMs : m.sentAtMs), text);
            return text;
        }
        }
        return {};
    case TextRole:
        if (m.event)
            return systemEventText(*m.event, m_account->userId());
        return displayText(m);
    case UndecryptableRole:
        return m.undecryptable;
    case DayTextRole:
        return dayLabel(item.day);
    case TimeTextRole:
        if (!hasMessage(item))
            return {};
        return clockTime(m.serverTimeMs > 0 ? m.serverTimeMs : m.sentAtMs);
    case TimestampRole:
        return m.serverTimeMs > 0 ? m.serverTimeMs : m.sentAtMs;
    case OutgoingRole:
        return !m.event &&
               (m.outgoing || (m.senderUserId != 0 && m.senderUserId == m_account->userId()));
    case StateRole:
        return int(client::deriveState(m, m_conversation, m_account->userId()));
    case SenderRole:
        return senderName(m);
    case SenderIdRole:
        return m.senderUserId;
    case SeqRole:
        return m.seq;
    case RowIdRole:
        return m.rowId;
    case ClientIdRole:
        return m.clientMessageId;
    case FirstOfGroupRole: {
        if (item.kind != Kind::Message)
            return false;
        const int prev = index.row() - 1;
        return prev < 0 || m_items.at(prev).kind != Kind::Message ||
               m_items.at(prev).message.senderUserId != m.senderUserId;
    }
    default:
        return attachmentData(item, role);
    }
}

QVariant MessageModel::attachmentData(const Item &item, int role) const {
    if (item.attachments.isEmpty())
        return role == AttachmentCountRole ? QVariant(0) : QVariant();
    const Attachment &a = item.attachments.first();
    switch (role) {
    case AttachmentRole:
        return QVariant::fromValue(a);
    case AttachmentCountRole:
        return int(item.attachments.size());
    case AttachmentKindRole:
        return int(a.kind);
    case AttachmentNameRole:
        return a.fileName;
    case AttachmentSizeRole:
        return a.size;
    case AttachmentDimensionsRole:
        return a.dimensions();
    case AttachmentDurationRole:
        return a.durationMs;
    case ThumbnailRole:
        return a.thumbnail;
    case WaveformRole:
        return a.waveform;
    case LocalPathRole:
        return a.localPath;
    case TransferStateRole:
        return int(a.transfer);
    case TransferProgressRole:
        return a.progress();
    case TransferErrorRole:
        return a.transferError;
    default:
        return {};
    }
}

QList<Attachment> MessageModel::attachmentsAt(int row) const {
    if (row < 0 || row >= m_items.size())
        return {};
    return m_items.at(row).attachments;
}

void MessageModel::onTransferChanged(quint64 conversationId, const QString &clientMessageId,
                                     quint64 seq, const Attachment &attachment) {
    if (conversationId != m_conversation.id)
        return;
    int row = clientMessageId.isEmpty() ? -1 : rowOfClientId(clientMessageId);
    if (row < 0 && seq > 0)
        row = rowOfSeq(seq);
    if (row < 0 || m_items.at(row).attachments.isEmpty())
        return;
    // Which of the message's attachments: by blob, else by name, else the first.
    QList<Attachment> &list = m_items[row].attachments;
    qsizetype at = 0;
    for (qsizetype i = 0; i < list.size(); ++i) {
        if ((!attachment.blobId.isEmpty() && list.at(i).blobId == attachment.blobId) ||
            list.at(i).fileName == attachment.fileName) {
            at = i;
            break;
        }
    }
    list[at] = attachment;
    emit dataChanged(index(row), index(row));
}

void MessageModel::onDownloaded(quint64 conversationId, quint64 seq, const QString &localPath) {
    if (conversationId != m_conversation.id)
        return;
    const int row = rowOfSeq(seq);
    if (row < 0 || m_items.at(row).attachments.isEmpty())
        return;
    Attachment &a = m_items[row].attachments.first();
    a.localPath = localPath;
    a.transfer = Attachment::Transfer::Done;
    a.transferredBytes = a.size;
    a.transferError.clear();
    emit dataChanged(index(row), index(row));
}

quint64 MessageModel::newestStoredSeq() const {
    for (int i = int(m_items.size()) - 1; i >= 0; --i)
        if (hasMessage(m_items.at(i)) && m_items.at(i).message.seq > 0)
            return m_items.at(i).message.seq;
    return 0;
}

quint64 MessageModel::oldestStoredSeq() const {
    for (const Item &item : m_items)
        if (hasMessage(item) && item.message.seq > 0)
            return item.message.seq;
    return 0;
}

int MessageModel::loadOlder(int count) {
    const quint64 oldest = oldestStoredSeq();
    if (!m_hasOlder || oldest <= 1) {
        m_hasOlder = false;
        return 0;
    }
    auto older = m_store->messages().olderThan(m_conversation.id, oldest, count);
    if (!older || older->isEmpty()) {
        m_hasOlder = false;
        return 0;
    }
    m_hasOlder = older->size() == count && older->first().seq > 1;
    const QList<Item> items = itemsFor(*older, QDate());
    beginInsertRows(QModelIndex(), 0, int(items.size()) - 1);
    // In place: QList keeps free space at its front, so this costs the page, not the model
    // (a copy of the whole model per page made scrolling up quadratic).
    for (auto it = items.crbegin(); it != items.crend(); ++it)
        m_items.prepend(*it);
    endInsertRows();
    int inserted = int(items.size());
    trimEnd();
    // The old first separator is redundant when the page ends on the same day.
    if (inserted < m_items.size() && m_items.at(inserted).kind == Kind::DaySeparator &&
        m_items.at(inserted).day == items.last().day) {
        beginRemoveRows(QModelIndex(), inserted, inserted);
        m_items.removeAt(inserted);
        endRemoveRows();
        --inserted;
    }
    // The first message of the old page may now follow one of the same sender.
    if (inserted + 1 < m_items.size())
        emit dataChanged(index(inserted + 1), index(inserted + 1), {FirstOfGroupRole});
    return inserted;
}

void MessageModel::trimEnd() {
    if (m_items.size() <= kMaxRows)
        return;
    // Cut after a message: a separator or divider must not end the window.
    int keep = kMaxRows;
    while (keep > 1 && !hasMessage(m_items.at(keep - 1)))
        --keep;
    beginRemoveRows(QModelIndex(), keep, int(m_items.size()) - 1);
    m_items.resize(keep);
    endRemoveRows();
    m_hasNewer = true;
}

void MessageModel::trimFront() {
    const int excess = int(m_items.size()) - kMaxRows;
    if (excess <= 0)
        return;
    // The window starts with the day separator of its first row: the row before the first kept
    // one becomes that separator.
    beginRemoveRows(QModelIndex(), 0, excess - 1);
    m_items.remove(0, excess);
    endRemoveRows();
    if (m_items.at(1).kind == Kind::DaySeparator) {
        beginRemoveRows(QModelIndex(), 0, 0);
        m_items.removeFirst();
        endRemoveRows();
    } else {
        m_items[0] = Item{Kind::DaySeparator, {}, m_items.at(1).day, {}};
        emit dataChanged(index(0), index(1));
    }
    m_hasOlder = true;
}

int MessageModel::loadNewer(int count) {
    const quint64 newest = newestStoredSeq();
    if (!m_hasNewer || newest == 0)
        return 0;
    bool reachedNewest = true;
    const auto newer = newerThan(newest, count, &reachedNewest);
    m_hasNewer = !reachedNewest;
    if (newer.isEmpty())
        return 0;
    // Past the newest stored message of the window there are no rows yet (pending ones are
    // only loaded together with the newest).
    QDate previousDay;
    for (int i = int(m_items.size()) - 1; i >= 0 && !previousDay.isValid(); --i)
        if (hasMessage(m_items.at(i)))
            previousDay = m_items.at(i).day;
    const QList<Item> items = itemsFor(newer, previousDay);
    const int first = int(m_items.size());
    beginInsertRows(QModelIndex(), first, first + int(items.size()) - 1);
    m_items.append(items);
    endInsertRows();
    // The first new message may continue the sender run of the last old one.
    if (first < m_items.size())
        emit dataChanged(index(first), index(first), {FirstOfGroupRole});
    trimFront();
    return int(items.size());
}

void MessageModel::replaceFrom(int firstRow, const QList<Item> &items) {
    int common = 0;
    const int oldTail = int(m_items.size()) - firstRow;
    while (common < oldTail && common < items.size() &&
           sameItem(m_items.at(firstRow + common), items.at(common))) {
        m_items[firstRow + common] = items.at(common);
        ++common;
    }
    if (common > 0)
        emit dataChanged(index(firstRow), index(firstRow + common - 1));
    if (common < oldTail) {
        beginRemoveRows(QModelIndex(), firstRow + common, int(m_items.size()) - 1);
        m_items.resize(firstRow + common);
        endRemoveRows();
    }
    if (common < items.size()) {
        beginInsertRows(QModelIndex(), int(m_items.size()),
                        int(m_items.size()) + int(items.size()) - common - 1);
        m_items.append(items.mid(common));
        endInsertRows();
    }
}

void MessageModel::loadNames() {
    m_names.clear();
    m_memberCount = 0;
    if (!m_conversation.isGroup())
        return;
    if (auto members = m_store->conversations().members(m_conversation.id)) {
        m_memberCount = int(members->size());
        for (const auto &member : *members)
            if (!member.displayName.isEmpty())
                m_names.insert(member.userId, member.displayName);
    }
}

QString MessageModel::displayText(const client::MessageRecord &m) {
    if (m.tampered)
        return tr("This message was altered on its way and is not shown");
    if (m.undecryptable)
        return tr("This message could not be decrypted");
    return m.text;
}

QString MessageModel::senderName(const client::MessageRecord &m) const {
    if (!m_conversation.isGroup())
        return m.senderUsername;
    return m_names.value(m.senderUserId, m.senderUsername);
}

void MessageModel::refresh() {
    if (m_conversation.id == 0)
        return;
    const bool windowAtNewest = !m_hasNewer;
    if (auto conv = m_store->conversations().conversation(m_conversation.id);
        conv && conv->has_value()) {
        const auto old = m_conversation;
        m_conversation = **conv;
        loadNames();
        if ((old.peerDeliveredSeq != m_conversation.peerDeliveredSeq ||
             old.peerReadSeq != m_conversation.peerReadSeq) &&
            !m_items.isEmpty())
            emit dataChanged(index(0), index(int(m_items.size()) - 1), {StateRole});
    }
    if (!windowAtNewest)
        return;
    // The tail starts at the newest stored message: what follows it (newer and pending messages,
    // security notices placed after it) is read again. Its day decides the separators.
    const quint64 newest = newestStoredSeq();
    int firstRow = int(m_items.size());
    QDate previousDay;
    for (int i = int(m_items.size()) - 1; i >= 0; --i) {
        const Item &item = m_items.at(i);
        firstRow = i;
        if (hasMessage(item) && item.message.seq == newest && newest > 0) {
            previousDay = item.day;
            break;
        }
    }
    if (newest == 0) {
        firstRow = 0;
        previousDay = QDate();
    }
    auto tail = m_store->messages().latest(m_conversation.id, kPageSize, qMax<quint64>(newest, 1));
    if (!tail) {
        qCWarning(lcUiModels) << "cannot refresh conversation" << m_conversation.id;
        return;
    }
    // The unread divider always precedes a stored message, so it is never in the tail.
    const QList<Item> items = itemsFor(*tail, previousDay);
    replaceFrom(firstRow, items);
}

int MessageModel::rowOfSeq(quint64 seq) const {
    for (int i = int(m_items.size()) - 1; i >= 0; --i)
        if (hasMessage(m_items.at(i)) && m_items.at(i).message.seq == seq)
            return i;
    return -1;
}

int MessageModel::rowOfClientId(const QString &clientMessageId) const {
    for (int i = int(m_items.size()) - 1; i >= 0; --i)
        if (m_items.at(i).kind == Kind::Message &&
            m_items.at(i).message.clientMessageId == clientMessageId)
            return i;
    return -1;
}

int MessageModel::rowOfRowId(qint64 rowId) const {
    for (int i = 0; i < m_items.size(); ++i)
        if (hasMessage(m_items.at(i)) && m_items.at(i).message.rowId == rowId)
            return i;
    return -1;
}

int MessageModel::unreadDividerRow() const {
    for (int i = 0; i < m_items.size(); ++i)
        if (m_items.at(i).kind == Kind::UnreadDivider)
            return i;
    return -1;
}

client::MessageRecord MessageModel::messageAt(int row) const {
    if (row < 0 || row >= m_items.size() || !hasMessage(m_items.at(row)))
        return {};
    return m_items.at(row).message;
}

} // namespace tidings::ui
