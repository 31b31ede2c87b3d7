#pragma once
// Private helpers of the store classes (not for callers outside app/core/store).
#include "protocol/result.h"

#include <QSqlError>
#include <QString>

namespace tidings::client::detail {

inline Error storageError(const QString &what, const QSqlError &e) {
    return Error{ErrorCode::Storage, QStringLiteral("%1: %2").arg(what, e.text())};
}

//! Qt binds a null QString as SQL NULL; NOT NULL text columns want ''.
inline QString nn(const QString &s) {
    return s.isNull() ? QStringLiteral("") : s;
}

} // namespace tidings::client::detail

//! Returns the error of a failed Status or Result expression from the enclosing function.
#define TIDINGS_TRY(expr)                                                                          \
    do {                                                                                           \
        if (auto _s = (expr); !_s)                                                                 \
            return _s.error();                                                                     \
    } while (0)
