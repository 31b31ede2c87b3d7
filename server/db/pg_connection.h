#pragma once
// One non-blocking libpq connection driven by the Qt event loop (QSocketNotifier), in pipeline
// mode: queries are sent without waiting for earlier results, each is its own transaction
// (followed by its own pipeline sync), and results arrive through callbacks on the same thread.
// Group commit is done one level up, by batching many sends into one statement.
#include "protocol/result.h"

#include <QByteArray>
#include <QObject>
#include <QString>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

struct pg_conn;
struct pg_result;
class QSocketNotifier;
class QTimer;

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

//! The outcome of one statement. Owns the libpq result.
class PgResult {
public:
    PgResult() = default;
    explicit PgResult(pg_result *r);
    static PgResult failure(ErrorCode code, QString message);

    bool ok() const { return m_ok; }
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
    bool m_ok = false;
    Error m_error;
    QByteArray m_sqlState;
};

using PgCallback = std::function<void(PgResult)>;

class PgConnection : public QObject {
    Q_OBJECT
public:
    //! `pipeline` false runs one query at a time in the simple protocol, which allows
    //! multi-statement SQL (migrations).
    PgConnection(QString conninfo, bool pipeline, QObject *parent = nullptr);
    ~PgConnection() override;

    //! Connects asynchronously; `connected` or `connectionFailed` follows. Reconnects on loss.
    void open();
    bool isReady() const { return m_state == State::Ready; }

    void exec(PgQuery query, PgCallback cb);

    //! Statements queued or in flight (a load measure for the pool).
    int pending() const { return int(m_inFlightStatements); }

signals:
    void connected();
    void connectionFailed(const QString &message);
    void connectionLost();

private:
    enum class State { Idle, Connecting, Ready, Broken };
    struct Pending {
        PgQuery query;
        PgCallback cb;
    };
    struct Batch {
        std::vector<Pending> items;
        std::vector<PgResult> results;
    };

    void pollConnect();
    void setupNotifiers();
    void onReadable();
    void onWritable();
    void flush();
    void send(std::vector<Pending> items);
    bool dispatch(Batch &batch);
    void processResults();
    void finishFront();
    void fail(const QString &message);
    void startSimpleIfIdle();

    QString m_conninfo;
    bool m_pipeline;
    pg_conn *m_conn = nullptr;
    State m_state = State::Idle;
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr;
    QTimer *m_retryTimer = nullptr;
    int m_retryMs = 100;

    std::deque<Batch> m_inFlight; //!< sent, awaiting results, in pipeline order
    std::deque<Batch> m_waiting;  //!< queued while not connected
    std::size_t m_inFlightStatements = 0;
    std::size_t m_resultIndex = 0; //!< which statement of the front batch results belong to
    bool m_gotResultForIndex = false;
};

//! A small pool. Work on one conversation always goes to the same connection, so its
//! statements are serialized there (gap-free seq, no lock waits between connections).
class PgPool : public QObject {
    Q_OBJECT
public:
    PgPool(const QString &conninfo, int size, QObject *parent = nullptr);

    //! Opens every connection; `ready` once all are connected, `failed` on the first failure.
    void open();
    PgConnection *forKey(quint64 key) const { return m_conns[shardOf(key)]; }
    int shardOf(quint64 key) const { return int(key % m_conns.size()); }
    PgConnection *at(int shard) const { return m_conns[std::size_t(shard)]; }
    PgConnection *any();
    int size() const { return int(m_conns.size()); }

signals:
    void ready();
    void failed(const QString &message);

private:
    std::vector<PgConnection *> m_conns;
    int m_readyCount = 0;
    bool m_reportedReady = false;
    std::size_t m_next = 0;
};

} // namespace tidings::server
