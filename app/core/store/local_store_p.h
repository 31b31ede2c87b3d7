#pragma once
// Private helpers shared by the translation units of LocalStore.
#include "core/store/records.h"
#include "protocol/result.h"

#include <QSqlError>
#include <QSqlQuery>

#include <functional>

namespace tidings::client::detail {

inline Error storageError(const QString &what, const QSqlError &e) {
    return Error{ErrorCode::Storage, QStringLiteral("%1: %2").arg(what, e.text())};
}

//! Rolls the transaction back on every early return unless done() was called.
class Txn {
public:
    explicit Txn(std::function<void()> rollback)
        : m_rollback(std::move(rollback)) {}
    ~Txn() {
        if (!m_done)
            m_rollback();
    }
    Txn(const Txn &) = delete;
    Txn &operator=(const Txn &) = delete;
    void done() { m_done = true; }

private:
    std::function<void()> m_rollback;
    bool m_done = false;
};

//! Qt binds a null QString as SQL NULL; NOT NULL text columns want ''.
inline QString nn(const QString &s) {
    return s.isNull() ? QStringLiteral("") : s;
}

class StoreCipher;

extern const char *const kMessageColumns;
//! Reads a row selected with kMessageColumns, decrypting its body when the store is encrypted.
Result<MessageRecord> readMessage(const QSqlQuery &q, const StoreCipher *cipher);
//! SQL for the conversation's peer display name, for a query over `conversations` aliased `alias`.
QString peerDisplayNameSql(const char *alias);
//! LocalStore::receiptTimes on any connection to the store (ViewStore reads them too).
Result<QList<ReceiptTime>> receiptTimes(const QString &connectionName, quint64 conversationId,
                                        quint64 seq);
//! The settings key holding the encrypted store's key check.
inline constexpr char kKeyCheckSetting[] = "store_key_check";

} // namespace tidings::client::detail

#define TIDINGS_TRY(expr)                                                                          \
    do {                                                                                           \
        if (auto _s = (expr); !_s)                                                                 \
            return _s.error();                                                                     \
    } while (0)
