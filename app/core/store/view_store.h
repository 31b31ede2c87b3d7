#pragma once
// What the desktop client reads and keeps beside the synced cache, on its own SQLite connection
// to the same file: chat summaries (last message, unread count), message pages for lazy loading,
// full-text search over message text (FTS5, unicode61 with diacritics removed, kept in sync by
// triggers on the messages table), drafts, pinned/muted chats and app settings.
//
// LocalStore stays the only writer of synced data; ViewStore writes only its own ui_* tables.
#include "core/store/records.h"
#include "protocol/result.h"

#include <QString>

#include <memory>
#include <optional>

namespace tidings::crypto {
class SecretBytes;
}

namespace tidings::client {

namespace detail {
class StoreCipher;
}

struct ChatSummary {
    quint64 conversationId = 0;
    std::optional<MessageRecord> lastMessage; //!< the newest row, pending ones included
    int unread = 0;
    bool pinned = false;
    bool muted = false;
    QString draft;
    qint64 activityMs = 0; //!< last message time (or draft/creation time), for sorting
    //! The chat list title: the group name; for a 1:1 the peer's display name if set, else the
    //! username (empty while neither is known).
    QString title;
};

struct SearchHit {
    MessageRecord message;
    //! The matching text with every match wrapped in kMatchOpen/kMatchClose.
    QString highlighted;
};

class ViewStore {
public:
    static constexpr QChar kMatchOpen = QChar(0x2);
    static constexpr QChar kMatchClose = QChar(0x3);

    //! Opens a second connection to the cache at `path` (a file; LocalStore must have created
    //! its schema first) and adds the ui_* tables, the search index and its triggers.
    //! Plaintext stores only (tests); nothing in app/ may use it: the app passes the master key.
    static Result<std::unique_ptr<ViewStore>> open(const QString &path, quint64 myUserId);
    //! The same on a store encrypted at rest (LocalStore::open with the same key first). Another
    //! key fails with BadCredentials. Search then matches whole words only (no prefixes): the
    //! index holds keyed blind tokens of whole words, highlighting runs on the decrypted text.
    static Result<std::unique_ptr<ViewStore>> open(const QString &path, quint64 myUserId,
                                                   const crypto::SecretBytes &masterKey);
    ~ViewStore();
    ViewStore(const ViewStore &) = delete;
    ViewStore &operator=(const ViewStore &) = delete;

    void setMyUserId(quint64 id) { m_myUserId = id; }

    Result<QList<ChatSummary>> chatSummaries() const;
    Result<ChatSummary> chatSummary(quint64 conversationId) const;

    //! The newest `limit` stored messages oldest→newest, then the pending ones; with
    //! `fromSeq` > 0 instead every stored message with seq >= fromSeq (a jump target).
    Result<QList<MessageRecord>> latest(quint64 conversationId, int limit,
                                        quint64 fromSeq = 0) const;
    //! Up to `limit` stored messages with seq < beforeSeq, oldest→newest.
    Result<QList<MessageRecord>> olderThan(quint64 conversationId, quint64 beforeSeq,
                                           int limit) const;
    Result<std::optional<MessageRecord>> messageByRowId(qint64 rowId) const;

    //! Messages whose words start with every word of `query` (case and diacritics ignored),
    //! newest first. On an encrypted store the words must match whole (no prefix search).
    Result<QList<SearchHit>> search(const QString &query, int limit) const;

    //! LocalStore::receiptTimes, for the message info dialog.
    Result<QList<ReceiptTime>> receiptTimes(quint64 conversationId, quint64 seq) const;

    Status setDraft(quint64 conversationId, const QString &text);
    Result<QString> draft(quint64 conversationId) const;
    Status setPinned(quint64 conversationId, bool pinned);
    Status setMuted(quint64 conversationId, bool muted);

    QString setting(const QString &key, const QString &fallback = QString()) const;
    Status setSetting(const QString &key, const QString &value);

private:
    explicit ViewStore(QString connectionName, quint64 myUserId);
    static Result<std::unique_ptr<ViewStore>> openImpl(const QString &path, quint64 myUserId,
                                                       const crypto::SecretBytes *masterKey);
    Status migrate();
    Status checkKey();
    Result<QList<SearchHit>> searchBlind(const QString &query, int limit) const;
    Status setPref(quint64 conversationId, const char *column, const QVariant &value);

    QString m_connectionName;
    quint64 m_myUserId = 0;
    bool m_hasEvents = false;
    std::unique_ptr<detail::StoreCipher> m_cipher;
};

} // namespace tidings::client
