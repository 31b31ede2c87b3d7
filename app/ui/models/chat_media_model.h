#pragma once
// Everything shared in one chat, for its info panel: photos and videos (Media), files, audio and
// voice notes (Files), or the web links found in message texts (Links), newest first. The chat's
// history is read in pages from the message store as the list asks for more (fetchMore), so a
// long chat costs what the user scrolls through; attachments come from the MediaPort.
#include "media/media_port.h"

#include <QAbstractListModel>
#include <QUrl>

namespace tidings::client {
class MessageStore;
struct MessageRecord;
} // namespace tidings::client

namespace tidings::ui {

class ChatMediaModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum class Category { Media, Files, Links };
    Q_ENUM(Category)
    enum Role {
        AttachmentRole = Qt::UserRole + 1, //!< ui::Attachment (Media, Files)
        UrlRole,                           //!< QUrl (Links)
        SeqRole,
        RowIdRole,
        ClientIdRole,
        TimestampRole,
        SenderRole,
        TextRole, //!< the message text (Links: the text around the link)
    };

    ChatMediaModel(client::MessageStore *messages, MediaPort *media, Category category,
                   QObject *parent = nullptr);

    void setConversation(quint64 conversationId);
    quint64 conversationId() const { return m_conversationId; }
    Category category() const { return m_category; }
    //! Reads everything again (new messages, downloads).
    void reload();

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    //! Messages read per fetch, and items wanted before a fetch stops early.
    static constexpr int kPage = 200;
    static constexpr int kWanted = 60;

    //! The links in `text` (http, https and www. addresses).
    static QList<QUrl> linksIn(const QString &text);

private:
    struct Item {
        Attachment attachment;
        QUrl url;
        quint64 seq = 0;
        qint64 rowId = 0;
        QString clientMessageId;
        qint64 timeMs = 0;
        QString sender;
        QString text;
    };
    void append(const client::MessageRecord &m, QList<Item> *out) const;
    void onDownloaded(quint64 conversationId, quint64 seq, const QString &localPath);

    client::MessageStore *m_messages;
    MediaPort *m_media;
    Category m_category;
    quint64 m_conversationId = 0;
    quint64 m_before = 0; //!< the next page reads seqs below this; 0: from the newest
    bool m_atEnd = true;
    QList<Item> m_items;
};

} // namespace tidings::ui
