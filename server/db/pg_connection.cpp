#include "db/pg_connection.h"

#include "core/logging.h"
#include "db/pg_conninfo.h"

#include <QHostInfo>
#include <QPointer>
#include <QSocketNotifier>
#include <QTimer>

#include <libpq-fe.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>

namespace tidings::server {

namespace {
const QString kUnavailable = QStringLiteral("database unavailable");
const QString kLost = QStringLiteral("database connection lost");

QString libpqError(pg_conn *conn) {
    return conn ? QString::fromUtf8(PQerrorMessage(conn)).trimmed()
                : QStringLiteral("out of memory");
}

void lookUpWithQHostInfo(const QString &name, QObject *context,
                         std::function<void(const QHostInfo &)> answer) {
    QHostInfo::lookupHost(name, context,
                          [answer = std::move(answer)](const QHostInfo &info) { answer(info); });
}
} // namespace

PgConnection::PgConnection(QString conninfo, bool pipeline, QObject *parent)
    : QObject(parent)
    , m_conninfo(std::move(conninfo))
    , m_pipeline(pipeline)
    , m_retryTimer(new QTimer(this))
    , m_connectTimer(new QTimer(this))
    , m_lookup(lookUpWithQHostInfo) {
    m_retryTimer->setSingleShot(true);
    connect(m_retryTimer, &QTimer::timeout, this, &PgConnection::open);
    m_connectTimer->setSingleShot(true);
    connect(m_connectTimer, &QTimer::timeout, this, &PgConnection::connectTimedOut);
}

PgConnection::~PgConnection() {
    delete m_readNotifier;
    delete m_writeNotifier;
    if (m_conn)
        PQfinish(m_conn);
}

// ---- connecting --------------------------------------------------------------------------------

void PgConnection::open() {
    if (m_state == State::Resolving || m_state == State::Connecting || m_state == State::Ready)
        return;
    m_retryTimer->stop();
    ++m_attempt;
    resolveThenConnect();
}

void PgConnection::resolveThenConnect() {
    auto parsed = PgConninfo::parse(m_conninfo);
    if (!parsed) {
        fail(ConnectError::BadConninfo, parsed.error().detail);
        return;
    }
    const QStringList names = parsed->namesToResolve();
    if (names.isEmpty()) {
        startConnect(parsed->connectParams({}).value()); // nothing to resolve cannot fail
        return;
    }
    m_state = State::Resolving;
    struct Lookups {
        PgConninfo conninfo;
        qsizetype unanswered;
        QHash<QString, QList<QHostAddress>> addresses;
        QHash<QString, QString> errors;
    };
    auto lookups = std::make_shared<Lookups>(Lookups{*parsed, names.size(), {}, {}});
    const quint64 attempt = m_attempt;
    for (const QString &name : names) {
        m_lookup(name, this, [this, attempt, lookups, name](const QHostInfo &info) {
            if (attempt != m_attempt || m_state != State::Resolving)
                return; // an attempt given up since
            if (info.error() == QHostInfo::NoError && !info.addresses().isEmpty())
                lookups->addresses.insert(name, info.addresses());
            else
                lookups->errors.insert(name, info.errorString());
            if (--lookups->unanswered > 0)
                return;
            auto params = lookups->conninfo.connectParams(lookups->addresses, lookups->errors);
            if (!params) {
                fail(ConnectError::HostNotFound, params.error().detail);
                return;
            }
            startConnect(*params);
        });
    }
}

void PgConnection::startConnect(PgConnectParams params) {
    // A host that timed out before is tried last (see connectTimedOut()).
    m_hosts = PgConninfo::rotateHosts(params, m_hostOffset);
    std::vector<const char *> keywords, values;
    for (std::size_t i = 0; i < params.keywords.size(); ++i) {
        keywords.push_back(params.keywords[i].constData());
        values.push_back(params.values[i].constData());
    }
    keywords.push_back(nullptr);
    values.push_back(nullptr);
    m_conn = PQconnectStartParams(keywords.data(), values.data(), 0);
    if (!m_conn || PQstatus(m_conn) == CONNECTION_BAD) {
        fail(ConnectError::Connect, libpqError(m_conn));
        return;
    }
    PQsetnonblocking(m_conn, 1);
    m_state = State::Connecting;
    setupNotifiers();
    m_writeNotifier->setEnabled(true);
    // libpq ignores connect_timeout when driven by PQconnectPoll: the timeout is ours to keep.
    // Without it, a primary whose machine died (no RST, packets dropped) would hold the attempt
    // for the kernel's TCP timeouts, minutes, and the standby promoted meanwhile would wait.
    if (params.connectTimeoutMs > 0)
        m_connectTimer->start(params.connectTimeoutMs);
}

void PgConnection::connectTimedOut() {
    if (m_state != State::Connecting || !m_conn)
        return;
    // The attempt gives up on the host libpq is stuck on; the next one starts after it, so the
    // other hosts of a multi-host URL get their turn (libpq itself would move to the next host
    // after connect_timeout, but only in its blocking mode).
    const QString host = QString::fromUtf8(PQhost(m_conn));
    const QString port = QString::fromUtf8(PQport(m_conn));
    const QString addr = QString::fromUtf8(PQhostaddr(m_conn));
    int stuck = -1;
    for (int i = 0; i < int(m_hosts.size()) && stuck < 0; ++i) {
        const auto &h = m_hosts[std::size_t(i)];
        if (h.host == host && (h.port.isEmpty() || h.port == port) &&
            (h.hostaddr.isEmpty() || addr.isEmpty() || h.hostaddr == addr))
            stuck = i;
    }
    if (!m_hosts.empty())
        m_hostOffset = (m_hostOffset + (stuck < 0 ? 0 : stuck) + 1) % int(m_hosts.size());
    fail(ConnectError::Connect, QStringLiteral("timed out connecting to %1 port %2")
                                    .arg(host.isEmpty() ? addr : host, port));
}

void PgConnection::setupNotifiers(bool renew) {
    const int fd = PQsocket(m_conn);
    if (!renew && m_readNotifier && m_readNotifier->socket() == fd)
        return;
    dropNotifiers();
    m_readNotifier = new QSocketNotifier(fd, QSocketNotifier::Read, this);
    m_writeNotifier = new QSocketNotifier(fd, QSocketNotifier::Write, this);
    m_writeNotifier->setEnabled(false);
    connect(m_readNotifier, &QSocketNotifier::activated, this, &PgConnection::onReadable);
    connect(m_writeNotifier, &QSocketNotifier::activated, this, &PgConnection::onWritable);
}

void PgConnection::dropNotifiers() {
    // Possibly called from one of their own activations: deleted once that has returned.
    for (QSocketNotifier *n : {m_readNotifier, m_writeNotifier}) {
        if (n) {
            n->setEnabled(false);
            n->deleteLater();
        }
    }
    m_readNotifier = m_writeNotifier = nullptr;
}

void PgConnection::pollConnect() {
    // libpq may close the socket and open another one on the same number (the next host or
    // address, an SSL fallback): notifiers made anew for it, since an epoll-based dispatcher
    // forgets a closed descriptor even when its number comes back.
    switch (PQconnectPoll(m_conn)) {
    case PGRES_POLLING_READING:
        setupNotifiers(true);
        m_writeNotifier->setEnabled(false);
        return;
    case PGRES_POLLING_WRITING:
        setupNotifiers(true);
        m_writeNotifier->setEnabled(true);
        return;
    case PGRES_POLLING_FAILED:
        fail(ConnectError::Connect, libpqError(m_conn));
        return;
    case PGRES_POLLING_OK:
    default:
        break;
    }
    setupNotifiers(true);
    m_writeNotifier->setEnabled(false);
    // Server notices ("relation exists, skipping") go to our log, not straight to stderr.
    PQsetNoticeProcessor(
        m_conn,
        [](void *, const char *msg) { qCDebug(lcDb) << "notice:" << QByteArray(msg).trimmed(); },
        nullptr);
    if (m_pipeline && PQenterPipelineMode(m_conn) != 1) {
        fail(ConnectError::Connect, QStringLiteral("cannot enter pipeline mode"));
        return;
    }
    m_connectTimer->stop();
    m_state = State::Ready;
    m_lastError = ConnectError::None;
    // After a loss to a read-only server the backoff keeps growing until a statement succeeds:
    // without target_session_attrs the next connection may well land on the standby again.
    if (!m_refusedWrites)
        m_retryMs = 100;
    qCDebug(lcDb) << "database connection ready";
    // What waited for the connection goes first: a `connected` slot's statements come after.
    if (m_pipeline) {
        auto waiting = std::move(m_waiting);
        m_waiting.clear();
        for (auto &b : waiting)
            send(std::move(b.items));
    } else {
        startSimpleIfIdle();
    }
    if (m_state == State::Ready)
        emit connected();
}

// ---- sending -----------------------------------------------------------------------------------

void PgConnection::onWritable() {
    if (m_state == State::Connecting) {
        pollConnect();
        return;
    }
    flush();
    // A flush that could not write everything makes libpq read what has arrived into its own
    // buffer; the socket may then never turn readable again for those results.
    processResults();
}

void PgConnection::flush() {
    if (m_state != State::Ready)
        return;
    const int r = PQflush(m_conn);
    if (r < 0) {
        fail(ConnectError::Lost, libpqError(m_conn));
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
    if (items.empty())
        return;
    if (m_state == State::Broken) {
        failLater(std::move(items), PgFailure::NotSent, kUnavailable);
        return;
    }
    Batch batch;
    batch.items = std::move(items);
    if (m_state != State::Ready || !m_pipeline) {
        m_waiting.push_back(std::move(batch));
        startSimpleIfIdle();
        return;
    }
    // In flight before it is dispatched, so that a failure while dispatching fails it too.
    m_inFlightStatements += batch.items.size();
    m_inFlight.push_back(std::move(batch));
    if (dispatch(m_inFlight.back()))
        flush();
}

void PgConnection::startSimpleIfIdle() {
    if (m_pipeline || !m_inFlight.empty() || m_waiting.empty() || m_state != State::Ready)
        return;
    m_inFlightStatements += m_waiting.front().items.size();
    m_inFlight.push_back(std::move(m_waiting.front()));
    m_waiting.pop_front();
    if (dispatch(m_inFlight.back()))
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
            // The batch is in m_inFlight: fail() fails it with everything else.
            fail(ConnectError::Lost, QStringLiteral("cannot send: ") + libpqError(m_conn));
            return false;
        }
    }
    if (m_pipeline && !PQpipelineSync(m_conn)) {
        fail(ConnectError::Lost,
             QStringLiteral("cannot send a pipeline sync: ") + libpqError(m_conn));
        return false;
    }
    batch.sent = true;
    return true;
}

bool PgConnection::breakSocketForTest() {
    if (!m_conn || m_state != State::Ready)
        return false;
    return ::shutdown(PQsocket(m_conn), SHUT_RDWR) == 0;
}

// ---- results -----------------------------------------------------------------------------------

void PgConnection::onReadable() {
    if (m_state == State::Connecting) {
        pollConnect();
        return;
    }
    if (m_state != State::Ready)
        return;
    if (!PQconsumeInput(m_conn)) {
        fail(ConnectError::Lost, libpqError(m_conn));
        return;
    }
    processResults();
}

void PgConnection::processResults() {
    // Callbacks may call exec() and even fail the connection: re-check the state every time.
    while (!m_inFlight.empty() && m_state == State::Ready) {
        if (PQisBusy(m_conn))
            return;
        Batch &b = m_inFlight.front();
        pg_result *r = PQgetResult(m_conn);
        if (!m_pipeline) {
            if (!r) {
                if (b.results.empty())
                    b.results.push_back(PgResult::failure(PgFailure::Statement, "no result"));
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
                    b.results.push_back(PgResult::failure(PgFailure::Statement, "no result"));
                ++m_resultIndex;
                m_gotResultForIndex = false;
                continue;
            }
            if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
                // Cannot happen with a sound libpq; attributing later results to the wrong
                // callbacks would be far worse than reconnecting.
                PQclear(r);
                fail(ConnectError::Lost, QStringLiteral("pipeline out of step: early sync"));
                return;
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
            fail(ConnectError::Lost, QStringLiteral("pipeline out of step: unexpected result"));
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
    bool anyFailed = false, readOnly = false;
    for (const auto &r : b.results) {
        anyFailed = anyFailed || !r.ok();
        readOnly = readOnly || r.failureKind() == PgFailure::ReadOnly;
    }
    if (readOnly) {
        // This server takes no writes: a standby (reached without target_session_attrs, or
        // through a pooler that does not check), or a primary demoted under us. Staying would
        // refuse every write from now on, so reconnect (libpq's target_session_attrs=read-write
        // then finds the primary). Failed before the callbacks run, so that what they send is
        // not sent here; the statements already sent behind this one fail as ConnectionLost.
        m_refusedWrites = true;
        fail(ConnectError::Lost,
             QStringLiteral("the server refuses writes (read-only: a standby?); "
                            "reconnecting"));
    } else if (!anyFailed) {
        m_refusedWrites = false;
    }
    for (std::size_t i = 0; i < b.items.size(); ++i) {
        PgResult res = i < b.results.size()
                           ? std::move(b.results[i])
                           : PgResult::failure(PgFailure::Statement, QStringLiteral("no result"));
        if (anyFailed && res.ok())
            res = PgResult::failure(PgFailure::RolledBack,
                                    QStringLiteral("rolled back: another statement failed"));
        if (!res.ok())
            ++m_failedStatements;
        b.items[i].cb(std::move(res));
    }
}

// ---- failures ----------------------------------------------------------------------------------

void PgConnection::fail(ConnectError why, const QString &message) {
    const bool wasReady = m_state == State::Ready;
    // libpq's messages name hosts and sockets, never statements or their parameters.
    qCWarning(lcDb) << "database connection failed:" << message;
    m_state = State::Broken;
    m_lastError = why;
    m_connectTimer->stop();
    dropNotifiers();
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
    for (auto &b : inFlight)
        failLater(std::move(b.items), b.sent ? PgFailure::ConnectionLost : PgFailure::NotSent,
                  b.sent ? kLost : kUnavailable);
    for (auto &b : waiting)
        failLater(std::move(b.items), PgFailure::NotSent, kUnavailable);
    m_retryTimer->start(m_retryMs);
    m_retryMs = std::min(m_retryMs * 2, 5000);
    if (wasReady) {
        ++m_connectionsLost;
        emit connectionLost();
    } else
        emit connectionFailed(message);
}

void PgConnection::failLater(std::vector<Pending> items, PgFailure kind, const QString &message) {
    m_failedStatements += items.size();
    for (auto &p : items)
        m_failures.emplace_back(std::move(p.cb), PgResult::failure(kind, message));
    if (m_deliveryScheduled || m_failures.empty())
        return;
    m_deliveryScheduled = true;
    QMetaObject::invokeMethod(this, &PgConnection::deliverFailures, Qt::QueuedConnection);
}

void PgConnection::deliverFailures() {
    m_deliveryScheduled = false;
    auto failures = std::move(m_failures);
    m_failures.clear();
    const QPointer<PgConnection> alive(this);
    for (auto &[cb, result] : failures) {
        if (!alive)
            return; // destroyed by a callback: the rest are dropped, as documented
        cb(std::move(result));
    }
}

// ---- PgPool ------------------------------------------------------------------------------------

PgPool::PgPool(const QString &conninfo, int size, int readers, int bulk, QObject *parent)
    : QObject(parent)
    , m_shards(std::max(1, size))
    , m_bulk(std::clamp(bulk, 0, 1)) {
    const int n = m_shards + m_bulk + std::max(0, readers);
    m_connectedOnce.assign(std::size_t(n), false);
    for (int i = 0; i < n; ++i) {
        auto *c = new PgConnection(conninfo, true, this);
        m_conns.push_back(c);
        connect(c, &PgConnection::connected, this, [this, i] {
            // A connection that reconnects before the others are up counts once.
            if (m_connectedOnce[std::size_t(i)])
                return;
            m_connectedOnce[std::size_t(i)] = true;
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
    const std::size_t shards = std::size_t(m_shards);
    PgConnection *best = nullptr;
    for (std::size_t i = 0; i < shards; ++i) {
        auto *c = m_conns[(m_next + i) % shards];
        if (!best || c->pending() < best->pending())
            best = c;
    }
    m_next = (m_next + 1) % shards;
    return best;
}

PgConnection *PgPool::reader() {
    PgConnection *best = nullptr;
    for (std::size_t i = std::size_t(m_shards + m_bulk); i < m_conns.size(); ++i)
        if (!best || m_conns[i]->pending() < best->pending())
            best = m_conns[i];
    return best ? best : any();
}

} // namespace tidings::server
