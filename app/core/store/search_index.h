#pragma once
// Full-text search over message texts, which must happen on the device (the server only sees
// ciphertexts). The FTS5 index holds keyed blind tokens of whole words (HMAC of the folded word
// under a subkey of the master key), never the words: search matches whole words, case and
// diacritics ignored, and highlighting runs on the decrypted text.
#include "core/store/records.h"
#include "protocol/result.h"

#include <QChar>

namespace tidings::client {

class Database;

struct SearchHit {
    MessageRecord message;
    //! The matching text with every match wrapped in kMatchOpen/kMatchClose.
    QString highlighted;
};

class SearchIndex {
public:
    static constexpr QChar kMatchOpen = QChar(0x2);
    static constexpr QChar kMatchClose = QChar(0x3);

    explicit SearchIndex(Database &db)
        : m_db(db) {}

    //! Shown messages containing every word of `query`, newest first.
    Result<QList<SearchHit>> search(const QString &query, int limit) const;
    //! `text` with every word of `query` wrapped in kMatchOpen/kMatchClose.
    static QString highlight(const QString &text, const QString &query);

private:
    // MessageStore indexes a readable text when it writes it (placeholders and control messages
    // have none), in the same transaction.
    friend class MessageStore;
    Status add(qint64 messageRowId, const QString &text);

    Database &m_db;
};

} // namespace tidings::client
