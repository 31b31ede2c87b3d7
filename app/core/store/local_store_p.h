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

extern const char *const kMessageColumns;
MessageRecord readMessage(const QSqlQuery &q);

} // namespace tidings::client::detail

#define TIDINGS_TRY(expr)                                                                          \
    do {                                                                                           \
        if (auto _s = (expr); !_s)                                                                 \
            return _s.error();                                                                     \
    } while (0)
