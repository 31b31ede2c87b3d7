#include "db/pg_connection.h"

#include "server_logging.h"

#include <QSocketNotifier>
#include <QTimer>

#include <libpq-fe.h>

namespace tidings::server {

// ---- PgResult ----------------------------------------------------------------------------------

PgResult::PgResult(pg_result *r)
    : m_res(r, PQclear) {
    const auto st = PQresultStatus(r);
    m_ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_SINGLE_TUPLE;
    if (!m_ok) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        m_sqlState = state ? QByteArray(state) : QByteArray();
        QString msg = st == PGRES_PIPELINE_ABORTED
                          ? QStringLiteral("statement skipped: an earlier one in its group failed")
                          : QString::fromUtf8(PQresultErrorMessage(r)).trimmed();
        m_error = Error{ErrorCode::Internal, msg};
    }
}

PgResult PgResult::failure(ErrorCode code, QString message) {
    PgResult r;
    r.m_ok = false;
    r.m_error = Error{code, std::move(message)};
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

// ---- PgConnection ------------------------------------------------------------------------------

PgConnection::PgConnection(QString conninfo, bool pipeline, QObject *parent)
    : QObject(parent)
    , m_conninfo(std::move(conninfo))
    , m_pipeline(pipeline)
    , m_retryTimer(new QTimer(this)) {
    m_retryTimer->setSingleShot(true);
    connect(m_retryTimer, &QTimer::timeout, this, &PgConnection::open);
}

PgConnection::~PgConnection() {
    delete m_readNotifier;
    delete m_writeNotifier;
    if (m_conn)
        PQfinish(m_conn);
}

void PgConnection::open() {
    if (m_state == State::Connecting || m_state == State::Ready)
        return;
    m_conn = PQconnectStart(m_conninfo.toUtf8().constData());
    if (!m_conn || PQstatus(m_conn) == CONNECTION_BAD) {
        fail(m_conn ? QString::fromUtf8(PQerrorMessage(m_conn)).trimmed()
                    : QStringLiteral("out of memory"));
        return;
    }
    PQsetnonblocking(m_conn, 1);
    m_state = State::Connecting;
    setupNotifiers();
    m_writeNotifier->setEnabled(true);
}

void PgConnection::setupNotifiers() {
    const int fd = PQsocket(m_conn);
    if (m_readNotifier && m_readNotifier->socket() == fd)
        return;
    delete m_readNotifier;
    delete m_writeNotifier;
    m_readNotifier = new QSocketNotifier(fd, QSocketNotifier::Read, this);
    m_writeNotifier = new QSocketNotifier(fd, QSocketNotifier::Write, this);
    m_writeNotifier->setEnabled(false);
    connect(m_readNotifier, &QSocketNotifier::activated, this, &PgConnection::onReadable);
    connect(m_writeNotifier, &QSocketNotifier::activated, this, &PgConnection::onWritable);
}

void PgConnection::pollConnect() {
    switch (PQconnectPoll(m_conn)) {
    case PGRES_POLLING_READING:
        setupNotifiers();
        m_writeNotifier->setEnabled(false);
        return;
    case PGRES_POLLING_WRITING:
        setupNotifiers();
        m_writeNotifier->setEnabled(true);
        return;
    case PGRES_POLLING_FAILED:
        fail(QString::fromUtf8(PQerrorMessage(m_conn)).trimmed());
        return;
    case PGRES_POLLING_OK:
    default:
        break;
    }
    setupNotifiers();
    m_writeNotifier->setEnabled(false);
    // Server notices ("relation exists, skipping") go to our log, not straight to stderr.
    PQsetNoticeProcessor(
        m_conn,
        [](void *, const char *msg) { qCDebug(lcDb) << "notice:" << QByteArray(msg).trimmed(); },
        nullptr);
    if (m_pipeline && PQenterPipelineMode(m_conn) != 1) {
        fail(QStringLiteral("cannot enter pipeline mode"));
        return;
    }
    m_state = State::Ready;
    m_retryMs = 100;
    qCDebug(lcDb) << "database connection ready";
    emit connected();
    auto waiting = std::move(m_waiting);
    m_waiting.clear();
    for (auto &b : waiting)
        send(std::move(b.items));
}

void PgConnection::onWritable() {
    if (m_state == State::Connecting) {
        pollConnect();
        return;
    }
    flush();
}

void PgConnection::onReadable() {
    if (m_state == State::Connecting) {
        pollConnect();
        return;
    }
    if (m_state != State::Ready)
        return;
    if (!PQconsumeInput(m_conn)) {
        fail(QString::fromUtf8(PQerrorMessage(m_conn)).trimmed());
        return;
    }
    processResults();
}

void PgConnection::flush() {
    if (m_state != State::Ready)
        return;
    const int r = PQflush(m_conn);
    if (r < 0) {
        fail(QString::fromUtf8(PQerrorMessage(m_conn)).trimmed());
        return;
    }
    m_writeNotifier->setEnabled(r == 1);
}

void PgConnection::exec(PgQuery query, PgCallback cb) {
    std::vector<Pending> items;
    items.push_back(Pending{std::move(query), std::move(cb)});
    send(std::move(items));
}

void PgConnection::send(std::vector<Pending> items) {
    if (m_state == State::Broken) {
        for (auto &p : items)
            p.cb(PgResult::failure(ErrorCode::Internal, QStringLiteral("database unavailable")));
        return;
    }
    Batch batch;
    batch.items = std::move(items);
    if (m_state != State::Ready) {
        m_waiting.push_back(std::move(batch));
        return;
    }
    if (!m_pipeline) {
        m_waiting.push_back(std::move(batch));
        startSimpleIfIdle();
        return;
    }
    if (!dispatch(batch))
        return;
    m_inFlightStatements += batch.items.size();
    m_inFlight.push_back(std::move(batch));
    flush();
}

bool PgConnection::dispatch(Batch &batch) {
    for (const auto &p : batch.items) {
        const auto &q = p.query;
        const int n = int(q.params.size());
        std::vector<const char *> values(n);
        std::vector<int> lengths(n), formats(n);
        for (int i = 0; i < n; ++i) {
            values[i] = q.params[i] ? q.params[i]->constData() : nullptr;
            lengths[i] = q.params[i] ? int(q.params[i]->size()) : 0;
            formats[i] = (size_t(i) < q.binary.size() && q.binary[i]) ? 1 : 0;
        }
        int ok;
        if (!m_pipeline && n == 0)
            ok = PQsendQuery(m_conn, q.sql.constData());
        else
            ok = PQsendQueryParams(m_conn, q.sql.constData(), n, nullptr, values.data(),
                                   lengths.data(), formats.data(), 0);
        if (!ok) {
            fail(QString::fromUtf8(PQerrorMessage(m_conn)).trimmed());
            for (auto &pp : batch.items)
                pp.cb(PgResult::failure(ErrorCode::Internal, QStringLiteral("send failed")));
            return false;
        }
    }
    if (m_pipeline && !PQpipelineSync(m_conn)) {
        fail(QString::fromUtf8(PQerrorMessage(m_conn)).trimmed());
        return false;
    }
    return true;
}

void PgConnection::startSimpleIfIdle() {
    if (m_pipeline || !m_inFlight.empty() || m_waiting.empty() || m_state != State::Ready)
        return;
    Batch b = std::move(m_waiting.front());
    m_waiting.pop_front();
    if (!dispatch(b))
        return;
    m_inFlightStatements += b.items.size();
    m_inFlight.push_back(std::move(b));
    flush();
}

void PgConnection::processResults() {
    while (!m_inFlight.empty() && m_state == State::Ready) {
        if (PQisBusy(m_conn))
            return;
        Batch &b = m_inFlight.front();
        pg_result *r = PQgetResult(m_conn);
        if (!m_pipeline) {
            if (!r) {
                if (b.results.empty())
                    b.results.push_back(PgResult::failure(ErrorCode::Internal, "no result"));
                finishFront();
                startSimpleIfIdle();
                continue;
            }
            // Multi-statement SQL: keep the first failure, else the last result.
            PgResult res(r);
            if (b.results.empty())
                b.results.push_back(std::move(res));
            else if (b.results.back().ok())
                b.results.back() = std::move(res);
            continue;
        }
        if (m_resultIndex < b.items.size()) {
            if (!r) {
                if (!m_gotResultForIndex)
                    b.results.push_back(PgResult::failure(ErrorCode::Internal, "no result"));
                ++m_resultIndex;
                m_gotResultForIndex = false;
                continue;
            }
            if (m_gotResultForIndex) {
                PQclear(r);
                continue;
            }
            b.results.emplace_back(r);
            m_gotResultForIndex = true;
            continue;
        }
        if (!r)
            return; // the sync point has not arrived yet
        const bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
        PQclear(r);
        if (!sync) {
            fail(QStringLiteral("unexpected result in pipeline"));
            return;
        }
        finishFront();
    }
}

void PgConnection::finishFront() {
    Batch b = std::move(m_inFlight.front());
    m_inFlight.pop_front();
    m_inFlightStatements -= b.items.size();
    m_resultIndex = 0;
    m_gotResultForIndex = false;
    // Statements sharing a sync share a transaction: a failure of one rolled back the others.
    bool anyFailed = false;
    for (const auto &r : b.results)
        anyFailed = anyFailed || !r.ok();
    for (std::size_t i = 0; i < b.items.size(); ++i) {
        PgResult res = i < b.results.size() ? std::move(b.results[i])
                                            : PgResult::failure(ErrorCode::Internal, "no result");
        if (anyFailed && res.ok())
            res = PgResult::failure(ErrorCode::Internal,
                                    QStringLiteral("rolled back: another statement failed"));
        b.items[i].cb(std::move(res));
    }
}

void PgConnection::fail(const QString &message) {
    const bool wasReady = m_state == State::Ready;
    qCWarning(lcDb) << "database connection failed:" << message;
    m_state = State::Broken;
    delete m_readNotifier;
    delete m_writeNotifier;
    m_readNotifier = m_writeNotifier = nullptr;
    if (m_conn) {
        PQfinish(m_conn);
        m_conn = nullptr;
    }
    auto inFlight = std::move(m_inFlight);
    auto waiting = std::move(m_waiting);
    m_inFlight.clear();
    m_waiting.clear();
    m_inFlightStatements = 0;
    m_resultIndex = 0;
    m_gotResultForIndex = false;
    const auto err = PgResult::failure(ErrorCode::Internal, QStringLiteral("database unavailable"));
    for (auto &b : inFlight)
        for (auto &p : b.items)
            p.cb(err);
    for (auto &b : waiting)
        for (auto &p : b.items)
            p.cb(err);
    if (wasReady)
        emit connectionLost();
    else
        emit connectionFailed(message);
    m_retryTimer->start(m_retryMs);
    m_retryMs = std::min(m_retryMs * 2, 5000);
}

// ---- PgPool ------------------------------------------------------------------------------------

PgPool::PgPool(const QString &conninfo, int size, QObject *parent)
    : QObject(parent) {
    for (int i = 0; i < std::max(1, size); ++i) {
        auto *c = new PgConnection(conninfo, true, this);
        m_conns.push_back(c);
        connect(c, &PgConnection::connected, this, [this] {
            if (!m_reportedReady && ++m_readyCount == int(m_conns.size())) {
                m_reportedReady = true;
                emit ready();
            }
        });
        connect(c, &PgConnection::connectionFailed, this, [this](const QString &msg) {
            if (!m_reportedReady)
                emit failed(msg);
        });
    }
}

void PgPool::open() {
    for (auto *c : m_conns)
        c->open();
}

PgConnection *PgPool::any() {
    // Least loaded, ties broken round robin.
    PgConnection *best = nullptr;
    for (std::size_t i = 0; i < m_conns.size(); ++i) {
        auto *c = m_conns[(m_next + i) % m_conns.size()];
        if (!best || c->pending() < best->pending())
            best = c;
    }
    m_next = (m_next + 1) % m_conns.size();
    return best;
}

} // namespace tidings::server
