#pragma once
// One conversation as rows for the message view: day separators, an "unread messages" divider
// where I left off, and the messages (stored ones by seq, pending ones last). History is loaded
// in pages as the view scrolls up; changes at the end are applied as a minimal row diff so the
// view keeps its position and selection.
//
// The model is a window of at most kMaxRows rows over the conversation: a page loaded at one end
// drops rows at the other end (hasOlder()/hasNewer() say more is stored). A non-uniform QListView
// lays out every row after each insert, so an unbounded model made every page load near the top
// of a long chat cost ~1 µs per message already loaded (60-230 ms stalls at 50,000).
#include "core/store/records.h"
#include "media/media_port.h"

#include <QAbstractListModel>
#include <QDate>
#include <QHash>

namespace tidings::client {
class Account;
class Storage;
} // namespace tidings::client

namespace tidings::ui {

class MessageModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum class Kind { Message, DaySeparator, UnreadDivider, SystemEvent };
    Q_ENUM(Kind)
    enum Role {
        KindRole = Qt::UserRole + 1,
        TextRole,
        TimeTextRole,
        OutgoingRole,
        StateRole, //!< client::MessageState
        SenderRole,
        SenderIdRole,
        SeqRole,
        RowIdRole,
        ClientIdRole,
        DayTextRole,
        FirstOfGroupRole, //!< the first of consecutive messages of one sender
        TimestampRole,
        UndecryptableRole, //!< shown as an italic placeholder
        // The message's (first) attachment; all invalid without one. TextRole is the caption.
        AttachmentRole,           //!< ui::Attachment
        AttachmentCountRole,      //!< int
        AttachmentKindRole,       //!< int (Attachment::Kind)
        AttachmentNameRole,       //!< QString
        AttachmentSizeRole,       //!< quint64, plaintext bytes
        AttachmentDimensionsRole, //!< QSize (images, videos)
        AttachmentDurationRole,   //!< qint64 ms
        ThumbnailRole,            //!< QByteArray, the inline JPEG
        WaveformRole,             //!< QByteArray, peaks 0..255
        LocalPathRole,            //!< QString, empty until downloaded
        TransferStateRole,        //!< int (Attachment::Transfer)
        TransferProgressRole,     //!< double 0..1
        TransferErrorRole,        //!< QString
    };

    //! Reads the conversation, its messages, members and receipt times and the chat's unread
    //! count from `store`.
    MessageModel(client::Storage *store, const client::Account *account, QObject *parent = nullptr);
    //! The text a message shows: its own, or the placeholder of one that could not be
    //! decrypted or was altered on its way (tampered).
    static QString displayText(const client::MessageRecord &m);

    //! Attachments and their transfers come from `media` (none without one).
    void setMediaPort(MediaPort *media);
    MediaPort *mediaPort() const { return m_media; }

    //! Shows `conversationId`: the newest page, or from `aroundSeq` on when given, with enough
    //! history to include the first unread message.
    void open(quint64 conversationId, quint64 aroundSeq = 0);
    void clear();
    quint64 conversationId() const { return m_conversation.id; }
    const client::ConversationRecord &conversation() const { return m_conversation; }

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role) const override;

    bool hasOlder() const { return m_hasOlder; }
    //! Newer messages are stored than the window shows (it was moved back in history).
    bool hasNewer() const { return m_hasNewer; }
    //! Prepends up to `count` older messages, dropping the newest rows beyond kMaxRows; returns
    //! how many rows were inserted at the top.
    int loadOlder(int count = 60);
    //! Appends up to `count` newer stored messages (and the pending ones once the newest is
    //! reached), dropping the oldest rows beyond kMaxRows; returns how many rows were appended.
    int loadNewer(int count = 60);
    //! Re-reads everything after the newest stored message in the model (new, acked, failed)
    //! and the conversation's cursors (ticks). While hasNewer() only the cursors: new messages
    //! belong after the stored ones the window does not show yet.
    void refresh();
    //! The row of the message with `seq`, or -1.
    int rowOfSeq(quint64 seq) const;
    int rowOfClientId(const QString &clientMessageId) const;
    int rowOfRowId(qint64 rowId) const;
    int unreadDividerRow() const;
    client::MessageRecord messageAt(int row) const;
    QList<Attachment> attachmentsAt(int row) const;
    //! Members of the open group (0 for a 1:1), as of the last open() or refresh().
    int memberCount() const { return m_memberCount; }
    //! The group's members (user id → name shown); empty for a 1:1.
    const QHash<quint64, QString> &memberNames() const { return m_names; }
    //! For each recipient of my message `seq` in the open chat, when it was delivered and read
    //! (as recorded from receipts; empty when unknown).
    QList<client::ReceiptTime> receiptTimes(quint64 seq) const;
    quint64 myUserId() const;

    static constexpr int kPageSize = 60;
    //! The window: enough for several screens in both directions, small enough that laying it
    //! all out stays around a millisecond.
    static constexpr int kMaxRows = 1200;

private:
    struct Item {
        Kind kind = Kind::Message;
        client::MessageRecord message; //!< for Message
        QDate day;                     //!< for DaySeparator (and of the message)
        QList<Attachment> attachments; //!< for Message
    };
    static QDate dayOf(const client::MessageRecord &m);
    //! Items for `messages` as if they followed a message on `previousDay`.
    QList<Item> itemsFor(const QList<client::MessageRecord> &messages, QDate previousDay) const;
    QVariant attachmentData(const Item &item, int role) const;
    void onTransferChanged(quint64 conversationId, const QString &clientMessageId, quint64 seq,
                           const Attachment &attachment);
    void onDownloaded(quint64 conversationId, quint64 seq, const QString &localPath);
    static bool sameItem(const Item &a, const Item &b);
    void loadNames();
    QString senderName(const client::MessageRecord &m) const;
    static bool hasMessage(const Item &item) {
        return item.kind == Kind::Message || item.kind == Kind::SystemEvent;
    }
    void replaceFrom(int firstRow, const QList<Item> &items);
    //! Drops rows at the end (newest) or at the start (oldest) down to kMaxRows.
    void trimEnd();
    void trimFront();
    //! Up to `count` stored messages with seq > `afterSeq`, oldest first; when that reaches the
    //! newest stored message (`*reachedNewest`), all of them and the pending ones.
    QList<client::MessageRecord> newerThan(quint64 afterSeq, int count, bool *reachedNewest);
    quint64 newestStoredSeq() const;
    quint64 oldestStoredSeq() const;

    client::Storage *m_store;
    const client::Account *m_account;
    MediaPort *m_media = nullptr;
    client::ConversationRecord m_conversation;
    //! Group members' display names by user id (sender names above bubbles).
    QHash<quint64, QString> m_names;
    int m_memberCount = 0;
    QList<Item> m_items;
    bool m_hasOlder = false;
    bool m_hasNewer = false;
};

} // namespace tidings::ui
