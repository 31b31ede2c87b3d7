#pragma once
// What every part of the E2E engine shares: its time source (the system clock unless a test sets
// one) and the shapes of its usage and storage errors.
#include "protocol/result.h"

#include <QDateTime>
#include <QString>

#include <functional>

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

} // namespace tidings::client::e2e
