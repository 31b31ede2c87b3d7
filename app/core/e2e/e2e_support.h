#pragma once
// What every part of the E2E engine shares: its time source (the system clock unless a test sets
// one) and the shapes of its usage and storage errors.
#include "protocol/result.h"

#include <QDateTime>
#include <QString>

#include <functional>
#include <string>

namespace tidings::client::e2e {

class Clock {
public:
    qint64 nowMs() const { return m_override ? m_override() : QDateTime::currentMSecsSinceEpoch(); }
    void set(std::function<qint64()> nowMs) { m_override = std::move(nowMs); }

private:
    std::function<qint64()> m_override;
};

inline Error usageError(const QString &what) {
    return Error{ErrorCode::Usage, QStringLiteral("e2e: ") + what, 0};
}

inline Error storageError(const QString &what) {
    return Error{ErrorCode::Storage, QStringLiteral("e2e storage: ") + what, 0};
}

//! Bytes between Qt and protobuf's std::string fields.
inline std::string std_(const QByteArray &b) {
    return std::string(b.constData(), size_t(b.size()));
}
inline QByteArray qba(const std::string &s) {
    return QByteArray(s.data(), qsizetype(s.size()));
}

//! An error about a message that cannot be decrypted, with what failed first.
inline Error undecryptable(const Error &e, const QString &what) {
    Error out = e;
    out.detail = what + QStringLiteral(": ") + e.detail;
    return out;
}

} // namespace tidings::client::e2e
