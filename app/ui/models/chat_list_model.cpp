#include "chat_list_model.h"

#include <QCoreApplication>

#include "chat_events.h"
#include "look.h"
#include "media/media_port.h"
#include "models/message_model.h"
#include "ui_logging.h"

#include "core/account/account.h"
#include "core/store/chat_list_reader.h"
#include "core/store/conversation_store.h"

#include <algorithm>

namespace tidings::ui {

ChatListModel::ChatListModel(client::ChatListReader *chatList,
                             client::ConversationStore *conversations,
                             const client::Account *account, ChatEvents *events, QObject *parent)
    : QAbstractListModel(parent)
    , m_chatList(chatList)
    , m_conversations(conversations)
    , m_account(account) {
    connect(events, &ChatEvents::chatChanged, this, &ChatListModel::refresh);
    reload();
}

int ChatListModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

QHash<int, QByteArray> ChatListModel::roleNames() const {
    auto names = QAbstractListModel::roleNames();
    names.insert(ConversationIdRole, "conversationId");
    names.insert(TitleRole, "title");
    names.insert(PreviewRole, "preview");
    names.insert(UnreadRole, "unread");
    return names;
}

namespace {
QString previewText(const client::MessageRecord &m) {
    return m.undecryptable ? MessageModel::displayText(m) : messagePreview(m);
}
} // namespace

QVariant ChatListModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &r = m_rows.at(index.row());
    const auto &last = r.summary.lastMessage;
    switch (role) {
    case Qt::DisplayRole:
    case TitleRole:
        // The group name, else the peer's display name, else the username.
        if (const QString title = r.conversation.title(); !title.isEmpty())
            return title;
        return tr("Chat %1").arg(r.conversation.id);
    case Qt::AccessibleTextRole:
        return r.summary.unread > 0 ? tr("%1, %n unread", nullptr, r.summary.unread)
                                          .arg(data(index, TitleRole).toString())
                                    : data(index, TitleRole).toString();
    case PreviewRole:
        if (!r.summary.draft.isEmpty())
            return r.summary.draft.simplified();
        if (last && last->event)
            return systemEventText(*last->event, m_account->userId());
        if (last && r.conversation.isGroup() && !last->outgoing &&
            last->senderUserId != m_account->userId())
            return last->senderUsername + QStringLiteral(": ") + previewText(*last);
        return last ? previewText(*last) : QString();
    case PreviewKindRole:
        if (!r.summary.draft.isEmpty())
            return int(PreviewKind::Draft);
        if (!last)
            return int(PreviewKind::Empty);
        return int(!last->event && (last->outgoing || last->senderUserId == m_account->userId())
                       ? PreviewKind::Mine
                       : PreviewKind::Message);
    case TimeTextRole:
        return chatListTime(r.summary.activityMs);
    case ActivityRole:
        return r.summary.activityMs;
    case UnreadRole:
        return r.summary.unread;
    case PinnedRole:
        return r.summary.pinned;
    case MutedRole:
        return r.summary.muted;
    case LastStateRole:
        if (!last || last->event || !(last->outgoing || last->senderUserId == m_account->userId()))
            return -1;
        return int(client::deriveState(*last, r.conversation, m_account->userId()));
    case ConversationIdRole:
        return r.conversation.id;
    case AvatarIdRole:
        return !r.conversation.isGroup() && r.conversation.peerUserId ? r.conversation.peerUserId
                                                                      : r.conversation.id;
    case IsGroupRole:
        return r.conversation.isGroup();
    case TypingRole:
        return m_typing.value(r.conversation.id);
    default:
        return {};
    }
}

bool ChatListModel::before(const Row &a, const Row &b) {
    if (a.summary.pinned != b.summary.pinned)
        return a.summary.pinned;
    if (a.summary.activityMs != b.summary.activityMs)
        return a.summary.activityMs > b.summary.activityMs;
    return a.conversation.id > b.conversation.id;
}

void ChatListModel::reload() {
    QList<Row> rows;
    auto summaries = m_chatList->chatSummaries();
    auto conversations = m_conversations->conversations();
    if (!summaries || !conversations) {
        qCWarning(lcUiModels) << "cannot read the chat list";
    } else {
        QHash<quint64, client::ConversationRecord> byId;
        for (const auto &c : *conversations)
            byId.insert(c.id, c);
        for (const auto &s : *summaries)
            rows.append(Row{s, byId.value(s.conversationId)});
        std::sort(rows.begin(), rows.end(), &ChatListModel::before);
    }
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

int ChatListModel::insertPosition(const Row &row, int skip) const {
    int pos = 0;
    for (int i = 0; i < m_rows.size(); ++i) {
        if (i == skip)
            continue;
        if (before(m_rows.at(i), row))
            ++pos;
    }
    return pos;
}

void ChatListModel::refresh(quint64 conversationId) {
    auto summary = m_chatList->chatSummary(conversationId);
    auto conversation = m_conversations->conversation(conversationId);
    if (!summary || !conversation || !conversation->has_value())
        return;
    Row row{*summary, **conversation};
    const int old = rowOf(conversationId);
    const int pos = insertPosition(row, old);
    if (old < 0) {
        beginInsertRows(QModelIndex(), pos, pos);
        m_rows.insert(pos, row);
        endInsertRows();
        return;
    }
    m_rows[old] = row;
    if (pos != old) {
        // beginMoveRows wants the destination in pre-move coordinates.
        const int dest = pos > old ? pos + 1 : pos;
        beginMoveRows(QModelIndex(), old, old, QModelIndex(), dest);
        m_rows.move(old, pos);
        endMoveRows();
    }
    emit dataChanged(index(pos), index(pos));
}

void ChatListModel::setTyping(quint64 conversationId, const QString &text) {
    if (text.isEmpty())
        m_typing.remove(conversationId);
    else
        m_typing.insert(conversationId, text);
    if (const int row = rowOf(conversationId); row >= 0)
        emit dataChanged(index(row), index(row), {TypingRole});
}

int ChatListModel::rowOf(quint64 conversationId) const {
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows.at(i).conversation.id == conversationId)
            return i;
    return -1;
}

quint64 ChatListModel::conversationAt(int row) const {
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).conversation.id : 0;
}

QString ChatListModel::titleOf(quint64 conversationId) const {
    const int row = rowOf(conversationId);
    return row < 0 ? QString() : data(index(row), TitleRole).toString();
}

int ChatListModel::totalUnread(bool includeMuted) const {
    int total = 0;
    for (const Row &r : m_rows)
        if (includeMuted || !r.summary.muted)
            total += r.summary.unread;
    return total;
}

bool ChatListModel::isMuted(quint64 conversationId) const {
    const int row = rowOf(conversationId);
    return row >= 0 && m_rows.at(row).summary.muted;
}

bool ChatListModel::isPinned(quint64 conversationId) const {
    const int row = rowOf(conversationId);
    return row >= 0 && m_rows.at(row).summary.pinned;
}

} // namespace tidings::ui

namespace tidings::ui {

bool ChatListModel::isGroup(quint64 conversationId) const {
    const int row = rowOf(conversationId);
    return row >= 0 && m_rows.at(row).conversation.isGroup();
}

} // namespace tidings::ui
