#pragma once
// Results of the search field: chats whose name matches, then messages found by the local FTS5
// index (newest first), under two section headers.
#include "core/store/search_index.h"

#include <QAbstractListModel>
#include <QElapsedTimer>

namespace tidings::ui {

class ChatListModel;

class SearchModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum class Kind { Header, Chat, Message };
    Q_ENUM(Kind)
    enum Role {
        KindRole = Qt::UserRole + 1,
        ConversationIdRole,
        TitleRole,
        SnippetRole, //!< text with SearchIndex::kMatchOpen/kMatchClose around matches
        TimeTextRole,
        SeqRole,
        AvatarIdRole,
    };

    //! Chat names come from `chats`, messages from `index`.
    SearchModel(client::SearchIndex *index, ChatListModel *chats, QObject *parent = nullptr);

    void setQuery(const QString &query);
    QString query() const { return m_query; }
    int messageHits() const { return int(m_hits.size()); }
    //! How long the last message search took in the index.
    qint64 lastSearchMs() const { return m_lastSearchMs; }

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

    static constexpr int kMaxHits = 200;

private:
    struct Row {
        Kind kind;
        quint64 conversationId = 0;
        QString title;
        int hit = -1;
    };

    client::SearchIndex *m_index;
    ChatListModel *m_chats;
    QString m_query;
    QList<Row> m_rows;
    QList<client::SearchHit> m_hits;
    qint64 m_lastSearchMs = 0;
};

} // namespace tidings::ui
