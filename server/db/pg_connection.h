#pragma once
// One non-blocking libpq connection driven by the Qt event loop (QSocketNotifier), in pipeline
// mode: queries are sent without waiting for earlier results, each is its own transaction
// (followed by its own pipeline sync), and results arrive through callbacks on the same thread.
// Group commit is done one level up, by batching many sends into one statement.
//
// The callback contract: every exec() callback runs exactly once, on the event loop and never
// inside exec() itself, in the order of the exec() calls — with the statement's result, or with
// a failure (PgResult::failureKind() says which) when the statement failed, when the connection
// broke before its result arrived, or when there was no connection to send it on. A broken
// connection reconnects by itself with backoff (100 ms doubling to 5 s). Callbacks still pending
// when the PgConnection is destroyed are dropped: their owners are being torn down as well.
#include "db/pg_result.h"

#include <QObject>
#include <QString>

#include <deque>
#include <functional>
#include <vector>

struct pg_conn;
class QHostInfo;
class QSocketNotifier;
class QTimer;

namespace tidings::server {

struct PgConnectParams;
struct PgHostEntry;

class PgConnection : public QObject {
    Q_OBJECT
public:
    //! Why the last connection attempt, or the connection, failed.
    enum class ConnectError {
        None,
        BadConninfo,  //!< the connection string does not parse
        HostNotFound, //!< no host name of it resolved
        Connect,      //!< libpq could not connect (refused, authentication, read-only, ...)
        Lost,         //!< an established connection broke (or could not send)
    };
    //! Looks a host name up off the event loop and answers on it, through `context`.
    using HostLookup = std::function<void(const QString &name, QObject *context,
                                          std::function<void(const QHostInfo &)> answer)>;

    //! `pipeline` false runs one query at a time in the simple protocol, which allows
    //! multi-statement SQL (migrations).
    PgConnection(QString conninfo, bool pipeline, QObject *parent = nullptr);
    ~PgConnection() override;

    //! Connects asynchronously (host names are looked up first, off the event loop);
    //! `connected` or `connectionFailed` follows. Reconnects on loss.
    void open();
    bool isReady() const { return m_state == State::Ready; }
    ConnectError lastError() const { return m_lastError; }

    void exec(PgQuery query, PgCallback cb);

    //! Statements queued or in flight (a load measure for the pool).
    int pending() const { return int(m_inFlightStatements); }
    //! Statements that failed (refused, rolled back, lost or never sent) since the start.
    quint64 failedStatements() const { return m_failedStatements; }
    //! Times an established connection broke.
    quint64 connectionsLost() const { return m_connectionsLost; }

    //! Test seam: replaces the host name lookup (QHostInfo::lookupHost by default).
    void setHostLookup(HostLookup lookup) { m_lookup = std::move(lookup); }
    //! Test seam: breaks the socket under libpq (shutdown, both directions) without telling
    //! it, as a dead peer or a network failure would: the next send or sync fails inside
    //! libpq. False when there is no connection.
    bool breakSocketForTest();

signals:
    void connected();
    void connectionFailed(const QString &message);
    void connectionLost();

private:
    enum class State { Idle, Resolving, Connecting, Ready, Broken };
    struct Pending {
        PgQuery query;
        PgCallback cb;
    };
    struct Batch {
        std::vector<Pending> items;
        std::vector<PgResult> results;
        bool sent = false; //!< wholly handed to libpq (with its sync): the outcome is unknown
    };

    void resolveThenConnect();
    void startConnect(PgConnectParams params);
    void connectTimedOut();
    void pollConnect();
    void setupNotifiers(bool renew = false);
    void dropNotifiers();
    void onReadable();
    void onWritable();
    void flush();
    void send(std::vector<Pending> items);
    bool dispatch(Batch &batch);
    void processResults();
    void finishFront();
    void fail(ConnectError why, const QString &message);
    void failLater(std::vector<Pending> items, PgFailure kind, const QString &message);
    void deliverFailures();
    void startSimpleIfIdle();

    QString m_conninfo;
    bool m_pipeline;
    pg_conn *m_conn = nullptr;
    State m_state = State::Idle;
    ConnectError m_lastError = ConnectError::None;
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr;
    QTimer *m_retryTimer = nullptr;
    int m_retryMs = 100;
    QTimer *m_connectTimer = nullptr;
    //! The hosts of the current attempt, in the order libpq tries them, and how far the list
    //! is rotated: a host that timed out goes to the back.
    std::vector<PgHostEntry> m_hosts;
    int m_hostOffset = 0;
    //! The last loss was a write refused as read-only: the backoff is not reset by the next
    //! connection, only by a statement that succeeds.
    bool m_refusedWrites = false;
    HostLookup m_lookup;
    quint64 m_attempt = 0; //!< connection attempts; a lookup answers only its own attempt

    std::deque<Batch> m_inFlight; //!< dispatched, awaiting results, in pipeline order
    std::deque<Batch> m_waiting;  //!< queued while not connected (or, simple mode, busy)
    std::size_t m_inFlightStatements = 0;
    std::size_t m_resultIndex = 0; //!< which statement of the front batch results belong to
    bool m_gotResultForIndex = false;
    //! Callbacks owed a failure, delivered from the event loop (never inside exec()).
    std::deque<std::pair<PgCallback, PgResult>> m_failures;
    bool m_deliveryScheduled = false;
    quint64 m_failedStatements = 0;
    quint64 m_connectionsLost = 0;
};

//! A small pool. Work on one conversation always goes to the same connection, so its
//! statements are serialized there (gap-free seq, no lock waits between connections).
class PgPool : public QObject {
    Q_OBJECT
public:
    //! `size` shard connections, plus `readers` connections for reads that need no ordering with
    //! the writes of a shard (history pages, inbox drains): those never wait behind a batch, plus
    //! `bulk` connections (0 or 1) for the writes of big groups (bulkShard()): a 500-member
    //! group's fan-out and acks must not queue ahead of everyone's 1:1 messages.
    PgPool(const QString &conninfo, int size, int readers = 0, int bulk = 0,
           QObject *parent = nullptr);

    //! Opens every connection; `ready` once all are connected, `failed` on the first failure.
    void open();
    PgConnection *forKey(quint64 key) const { return m_conns[std::size_t(shardOf(key))]; }
    int shardOf(quint64 key) const { return int(key % quint64(m_shards)); }
    //! A shard's connection; bulkShard() is the bulk connection.
    PgConnection *at(int shard) const { return m_conns[std::size_t(shard)]; }
    //! The index of the bulk connection for at(); -1 when there is none.
    int bulkShard() const { return m_bulk ? m_shards : -1; }
    //! The least loaded shard connection.
    PgConnection *any();
    //! The least loaded reader connection; a shard connection (any()) when there are none.
    PgConnection *reader();
    int size() const { return m_shards; }
    //! Every connection: the shards, the bulk connection and the readers (for connectionAt()).
    int connectionCount() const { return int(m_conns.size()); }
    PgConnection *connectionAt(int i) const { return m_conns[std::size_t(i)]; }

signals:
    void ready();
    void failed(const QString &message);

private:
    std::vector<PgConnection *> m_conns; //!< the shards, the bulk connection, then the readers
    int m_shards = 1;
    int m_bulk = 0;
    std::vector<bool> m_connectedOnce; //!< per connection: `ready` needs every one, once
    int m_readyCount = 0;
    bool m_reportedReady = false;
    std::size_t m_next = 0;
};

} // namespace tidings::server
