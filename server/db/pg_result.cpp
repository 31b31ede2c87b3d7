#include "db/pg_result.h"

#include <libpq-fe.h>

namespace tidings::server {

PgResult::PgResult(pg_result *r)
    : m_res(r, PQclear) {
    const auto st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_SINGLE_TUPLE) {
        m_failure = PgFailure::None;
        m_error = Error{ErrorCode::None, {}};
        return;
    }
    if (st == PGRES_PIPELINE_ABORTED) {
        m_failure = PgFailure::RolledBack;
        m_error = Error{ErrorCode::Internal,
                        QStringLiteral("statement skipped: an earlier one in its group failed")};
        return;
    }
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    m_sqlState = state ? QByteArray(state) : QByteArray();
    // read_only_sql_transaction: not this statement's fault but the server's role. Refused as a
    // Statement it would count as refused for good (a send batch would be split down to the item
    // and that item rejected), although it succeeds on the primary.
    m_failure = m_sqlState == "25006" ? PgFailure::ReadOnly : PgFailure::Statement;
    m_error = Error{ErrorCode::Internal, QString::fromUtf8(PQresultErrorMessage(r)).trimmed()};
}

PgResult PgResult::failure(PgFailure kind, QString message) {
    PgResult r;
    r.m_failure = kind == PgFailure::None ? PgFailure::Statement : kind;
    r.m_error = Error{ErrorCode::Internal, std::move(message)};
    return r;
}

int PgResult::rows() const {
    return m_res ? PQntuples(m_res.get()) : 0;
}
int PgResult::columns() const {
    return m_res ? PQnfields(m_res.get()) : 0;
}
int PgResult::column(const char *name) const {
    return m_res ? PQfnumber(m_res.get(), name) : -1;
}
bool PgResult::isNull(int row, int col) const {
    return !m_res || row < 0 || row >= rows() || col < 0 || col >= columns() ||
           PQgetisnull(m_res.get(), row, col);
}

QByteArray PgResult::text(int row, int col) const {
    if (!m_res || row < 0 || row >= rows() || col < 0 || col >= columns())
        return {};
    return QByteArray(PQgetvalue(m_res.get(), row, col), PQgetlength(m_res.get(), row, col));
}

QByteArray PgResult::bytea(int row, int col) const {
    if (!m_res || row < 0 || row >= rows() || col < 0 || col >= columns())
        return {};
    const char *v = PQgetvalue(m_res.get(), row, col);
    const int len = PQgetlength(m_res.get(), row, col);
    if (len >= 2 && v[0] == '\\' && v[1] == 'x')
        return QByteArray::fromHex(QByteArray::fromRawData(v + 2, len - 2));
    return QByteArray(v, len);
}

} // namespace tidings::server
