#pragma once
// The chat list: one row per conversation from the local cache, pinned first, then by last
// activity. Rows update, move and appear live as the session reports changes.
#include "core/store/chat_list_reader.h"
#include "core/store/records.h"

#include <QAbstractListModel>
#include <QHash>
#include <QSet>

namespace tidings::client {
class Account;
class ConversationStore;
} // namespace tidings::client

namespace tidings::ui {

class ChatEvents;

class ChatListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        ConversationIdRole = Qt::UserRole + 1,
        TitleRole,
        PreviewRole,     //!< last message text (or draft)
        PreviewKindRole, //!< PreviewKind
        TimeTextRole,
        ActivityRole,
        UnreadRole,
        PinnedRole,
        MutedRole,
        LastStateRole, //!< MessageState of my last message, -1 when the last one is not mine
        AvatarIdRole,
        TypingRole, //!< "typing…" text when someone types, else empty
        IsGroupRole,
    };
    enum class PreviewKind { Empty, Message, Mine, Draft };
    Q_ENUM(PreviewKind)

    //! Follows `events` (rows update, move and appear as chats change).
    ChatListModel(client::ChatListReader *chatList, client::ConversationStore *conversations,
                  const client::Account *account, ChatEvents *events, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    //! Reads every chat from the cache (startup, account change).
    void reload();
    //! Re-reads one chat and moves its row where it now belongs.
    void refresh(quint64 conversationId);
    void setTyping(quint64 conversationId, const QString &text);

    int rowOf(quint64 conversationId) const;
    quint64 conversationAt(int row) const;
    QString titleOf(quint64 conversationId) const;
    int totalUnread(bool includeMuted = false) const;
    bool isMuted(quint64 conversationId) const;
    bool isPinned(quint64 conversationId) const;
    bool isGroup(quint64 conversationId) const;

private:
    struct Row {
        client::ChatSummary summary;
        client::ConversationRecord conversation;
    };
    static bool before(const Row &a, const Row &b);
    int insertPosition(const Row &row, int skip) const;

    client::ChatListReader *m_chatList;
    client::ConversationStore *m_conversations;
    const client::Account *m_account;
    QList<Row> m_rows;
    QHash<quint64, QString> m_typing;
};

} // namespace tidings::ui
