#pragma once
// What the media benchmarks share: one client-core device (its own sealed SQLite store and media
// folder, end-to-end encryption on, as the app runs it), the real tidingsd as a separate process
// on a throwaway PostgreSQL, and readers of /proc for a process's memory, CPU time and disk
// writes. Benchmarks, not tests: docs/PERFORMANCE.md ("Media") has the commands and figures.
#include "core/client.h"
#include "core/secrets/secret_store.h"
#include "core/store/storage.h"
#include "crypto/secret_bytes.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

namespace tidings::bench {

//! One monotonic clock for every timestamp of a run (senders and receivers share the process).
qint64 nowNs();
double msBetween(qint64 fromNs, qint64 toNs);

//! A line of /proc/PID/status in MiB ("VmRSS:", "VmHWM:"); -1 when unreadable. pid 0: self.
double statusMb(qint64 pid, const char *key);
//! User + system CPU seconds of a process (/proc/PID/stat); pid 0: self.
double cpuSeconds(qint64 pid);
//! Bytes a process caused to be written to storage (/proc/PID/io write_bytes); -1 unknown.
qint64 writeBytes(qint64 pid);
//! The load average line of /proc/loadavg (first three fields).
QString loadAverage();

//! One client device: its store sealed with its own master key, E2E on.
struct Device {
    QString path;
    crypto::SecretBytes masterKey = crypto::SecretBytes::random(32);
    std::unique_ptr<client::Storage> store;
    client::MemorySecretStore secrets;
    std::unique_ptr<client::Client> client;
    bool ready = false;

    bool open(const QString &file, client::Client::Options options = {});
    bool registerAs(const QUrl &url, const QString &name);
    client::Media &media() { return client->media(); }
};

//! Waits (running the event loop) until `done` or the timeout; false on timeout.
bool waitFor(const std::function<bool()> &done, int timeoutMs);

//! Opens the direct chat of `client` with `peer`; 0 on failure.
quint64 openDirect(client::Client &client, const QString &peer);
inline quint64 openDirect(Device &a, Device &b) {
    return openDirect(*a.client, b.client->account().settings().username);
}

//! tidingsd started as its own process (--data-dir in a temporary folder) on a fresh database
//! of a throwaway PostgreSQL.
class ServerProcess {
public:
    ServerProcess();
    ~ServerProcess();
    //! `tidingsd`: the binary. Empty string on success, else what failed.
    QString start(const QString &tidingsd);
    QUrl url() const;
    qint64 pid() const;
    QString dataDir() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

//! When each kind of media request of one device was answered (ns on nowNs()), from its
//! QNetworkAccessManager's finished() signal: no change to the client core is needed to see it.
struct RequestLog {
    qint64 created = -1, firstChunk = -1, lastChunk = -1, finished = -1, fetched = -1;
    int chunks = 0, gets = 0, errors = 0;

    void reset();
    void watch(client::Media &media);
};

//! Samples a process's VmRSS every 10 ms on its own thread (the event loop may be busy) and
//! keeps the highest value and when it was seen. pid 0: this process.
class RssSampler {
public:
    explicit RssSampler(qint64 pid);
    ~RssSampler();
    void start();
    //! The highest VmRSS seen since start(), in MiB.
    double stop();
    //! When the highest value was seen (nowNs()).
    qint64 peakAt() const { return m_peakAt; }

private:
    qint64 m_pid;
    std::atomic_bool m_run{false};
    std::atomic<qint64> m_peakKb{0};
    std::atomic<qint64> m_peakAt{0};
    std::thread m_thread;
};

//! Which events of the GUI thread took long: an application-wide event filter notes when each
//! top-level event delivery starts; a gap between two starts longer than `thresholdMs` is
//! charged to the earlier event (type and receiver class). Coarse, but it names the handler.
class StallTracer : public QObject {
public:
    explicit StallTracer(double thresholdMs = 20);
    ~StallTracer() override;
    void start();
    void stop();
    //! The longest ones as "12.3 ms Timer QTimer", longest first.
    QStringList longest(int n = 5) const;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    struct Entry {
        double ms;
        QString what;
    };
    double m_threshold;
    bool m_running = false;
    qint64 m_lastStart = -1;
    QString m_last;
    QList<Entry> m_entries;
};

//! The SHA-256 of a file, hex (to check a download against its source).
QByteArray fileSha256(const QString &path);

} // namespace tidings::bench
