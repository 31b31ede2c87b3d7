#pragma once
// A statement for PgConnection (PgQuery) and its outcome (PgResult).
#include "protocol/result.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

struct pg_result;

namespace tidings::server {

//! A query with parameters. Text parameters unless marked binary (bytea payloads).
struct PgQuery {
    QByteArray sql;
    std::vector<std::optional<QByteArray>> params;
    std::vector<bool> binary; //!< per parameter; missing entries mean text

    PgQuery &arg(const QByteArray &v) {
        params.emplace_back(v);
        return *this;
    }
    PgQuery &arg(qint64 v) { return arg(QByteArray::number(v)); }
    PgQuery &arg(quint64 v) { return arg(QByteArray::number(v)); }
    PgQuery &arg(int v) { return arg(QByteArray::number(v)); }
    PgQuery &arg(const QString &v) { return arg(v.toUtf8()); }
    PgQuery &argBytes(const QByteArray &v) {
        binary.resize(params.size());
        binary.push_back(true);
        params.emplace_back(v);
        return *this;
    }
    PgQuery &argNull() {
        params.emplace_back(std::nullopt);
        return *this;
    }
};

//! Why a statement has no usable result. Every failure reads ErrorCode::Internal in error() (what
//! a client is told); this says what happened, for code that retries, counts or logs.
enum class PgFailure {
    None,           //!< ok
    Statement,      //!< the server ran it and refused it (sqlState() says why)
    RolledBack,     //!< it ran or was skipped, but another statement of its transaction failed
    ConnectionLost, //!< the connection broke after it was sent: it may or may not have committed
    NotSent,        //!< it never reached the server (no connection, or it could not be sent):
                    //!< nothing of it committed, so it is safe to retry
    ReadOnly,       //!< the server refused it because it takes no writes (SQLSTATE 25006: a
                    //!< standby, e.g. reached during a failover): nothing of it committed, it
                    //!< is safe to retry, and its connection reconnects to find the primary
};

//! The outcome of one statement. Owns the libpq result.
class PgResult {
public:
    PgResult() = default;
    explicit PgResult(pg_result *r);
    static PgResult failure(PgFailure kind, QString message);

    bool ok() const { return m_failure == PgFailure::None; }
    PgFailure failureKind() const { return m_failure; }
    const Error &error() const { return m_error; }
    QByteArray sqlState() const { return m_sqlState; }

    int rows() const;
    int columns() const;
    //! The index of the result column called `name` (its alias in the SELECT list), -1 when there
    //! is none. Readers name their columns instead of counting them; look the index up once per
    //! result, not once per row (the by-name accessors below do it on every call).
    int column(const char *name) const;
    bool isNull(int row, const char *col) const { return isNull(row, column(col)); }
    QByteArray bytea(int row, const char *col) const { return bytea(row, column(col)); }
    QByteArray text(int row, const char *col) const { return text(row, column(col)); }
    QString string(int row, const char *col) const { return string(row, column(col)); }
    qint64 int64(int row, const char *col) const { return int64(row, column(col)); }
    bool boolean(int row, const char *col) const { return boolean(row, column(col)); }
    bool isNull(int row, int col) const;
    QByteArray bytea(int row, int col) const; //!< a bytea column (hex text format) decoded
    QByteArray text(int row, int col) const;
    QString string(int row, int col) const { return QString::fromUtf8(text(row, col)); }
    qint64 int64(int row, int col) const { return text(row, col).toLongLong(); }
    bool boolean(int row, int col) const { return text(row, col) == "t"; }

private:
    std::shared_ptr<pg_result> m_res;
    PgFailure m_failure = PgFailure::NotSent; //!< a default-constructed result has no answer
    Error m_error{ErrorCode::Internal, QStringLiteral("no result")};
    QByteArray m_sqlState;
};

using PgCallback = std::function<void(PgResult)>;

} // namespace tidings::server
