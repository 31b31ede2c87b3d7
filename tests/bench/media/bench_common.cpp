#include "bench_common.h"

#include "support/event_wait.h"
#include "support/pg_fixture.h"
#include "support/process_harness.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QThread>
#include <QTimer>

#include <sodium.h>

#include <unistd.h>

namespace tidings::bench {

namespace {
QString procFile(qint64 pid, const char *name) {
    return pid == 0 ? QStringLiteral("/proc/self/%1").arg(QLatin1String(name))
                    : QStringLiteral("/proc/%1/%2").arg(pid).arg(QLatin1String(name));
}

QElapsedTimer &clock() {
    static QElapsedTimer c = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return c;
}
} // namespace

qint64 nowNs() {
    return clock().nsecsElapsed();
}

double msBetween(qint64 fromNs, qint64 toNs) {
    return double(toNs - fromNs) / 1e6;
}

double statusMb(qint64 pid, const char *key) {
    QFile f(procFile(pid, "status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith(key))
            return line.mid(int(qstrlen(key))).trimmed().split(' ').value(0).toDouble() / 1024.0;
    return -1;
}

double cpuSeconds(qint64 pid) {
    QFile f(procFile(pid, "stat"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray s = f.readAll();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const QList<QByteArray> fields = s.mid(s.lastIndexOf(')') + 2).split(' ');
    const double ticks = fields.value(11).toDouble() + fields.value(12).toDouble(); // utime+stime
    return ticks / double(sysconf(_SC_CLK_TCK));
}

qint64 writeBytes(qint64 pid) {
    QFile f(procFile(pid, "io"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith("write_bytes:"))
            return line.mid(12).trimmed().toLongLong();
    return -1;
}

QString loadAverage() {
    QFile f(QStringLiteral("/proc/loadavg"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QList<QByteArray> parts = f.readAll().split(' ');
    return QString::fromLatin1(parts.mid(0, 3).join(' '));
}

bool Device::open(const QString &file, client::Client::Options options) {
    path = file;
    QDir().mkpath(QFileInfo(file).absolutePath());
    auto s = client::Storage::open(path, masterKey);
    if (!s) {
        qWarning() << "store:" << s.error().toString();
        return false;
    }
    store = std::move(*s);
    client = std::make_unique<client::Client>(store.get(), &secrets, options);
    if (!client->enableEncryption())
        return false;
    QObject::connect(&client->devices(), &client::Devices::encryptionReady, client.get(),
                     [this] { ready = true; });
    return true;
}

bool Device::registerAs(const QUrl &url, const QString &name) {
    bool done = false, ok = false;
    client->account().registerAccount(url, name, QStringLiteral("password1"),
                                      QStringLiteral("bench"),
                                      [&](Result<client::AccountSettings> r) {
                                          done = true;
                                          ok = r.ok();
                                          if (!r)
                                              qWarning() << "register:" << r.error().toString();
                                      });
    return waitFor([&] { return done; }, 30000) && ok && waitFor([&] { return ready; }, 60000);
}

bool waitFor(const std::function<bool()> &done, int timeoutMs) {
    // Not QTest::qWaitFor (see event_wait.h): with it every cross-thread hand-over waited for
    // its 10 ms sleep (QNetworkAccessManager's upload data, 16 KiB per round trip: a 4 MiB chunk
    // took 2.6 s).
    return test::waitForEvents(done, timeoutMs);
}

quint64 openDirect(client::Client &client, const QString &peer) {
    quint64 id = 0;
    bool done = false;
    client.messaging().openDirect(peer, [&](Result<client::ConversationRecord> r) {
        done = true;
        if (r)
            id = r->id;
        else
            qWarning() << "openDirect:" << r.error().toString();
    });
    (void)waitFor([&] { return done; }, 20000);
    return id;
}

struct ServerProcess::Impl {
    test::PgFixture pg;
    std::unique_ptr<test::ProcessHarness> harness;
};

ServerProcess::ServerProcess()
    : d(std::make_unique<Impl>()) {}

ServerProcess::~ServerProcess() = default;

QString ServerProcess::start(const QString &tidingsd) {
    if (!QFile::exists(tidingsd))
        return QStringLiteral("no tidingsd at %1").arg(tidingsd);
    // ProcessHarness takes the binaries from the environment, as under CTest.
    qputenv("TIDINGSD_BIN", QFile::encodeName(tidingsd));
    if (qEnvironmentVariableIsEmpty("TIDINGS_CLI_BIN"))
        qputenv("TIDINGS_CLI_BIN", "/bin/false");
    if (const QString err = d->pg.start(); !err.isEmpty())
        return QStringLiteral("postgres: %1").arg(err);
    d->harness = std::make_unique<test::ProcessHarness>(d->pg.createDatabase());
    if (!d->harness->startServer())
        return QStringLiteral("tidingsd did not start");
    return {};
}

QUrl ServerProcess::url() const {
    return QUrl(d->harness->url());
}

qint64 ServerProcess::pid() const {
    return d->harness->serverPid();
}

QString ServerProcess::dataDir() const {
    return d->harness->dataDir();
}

void RequestLog::reset() {
    created = firstChunk = lastChunk = finished = fetched = -1;
    chunks = gets = errors = 0;
}

namespace {
//! Hands every QNetworkReply made as a child of the watched objects to `seen` once constructed
//! (replies that do not come from QNetworkAccessManager, e.g. the chunk uploads' own).
class ReplySpotter : public QObject {
public:
    ReplySpotter(QObject *parent, std::function<void(QNetworkReply *)> seen)
        : QObject(parent)
        , m_seen(std::move(seen)) {}

protected:
    bool eventFilter(QObject *, QEvent *event) override {
        if (event->type() == QEvent::ChildAdded) {
            // Called from the child's QObject constructor: look once it is a whole reply.
            const QPointer<QObject> child = static_cast<QChildEvent *>(event)->child();
            QMetaObject::invokeMethod(
                this,
                [this, child] {
                    if (auto *reply = qobject_cast<QNetworkReply *>(child.data()))
                        m_seen(reply);
                },
                Qt::QueuedConnection);
        }
        return false;
    }

private:
    std::function<void(QNetworkReply *)> m_seen;
};
} // namespace

void RequestLog::watch(client::Media &media) {
    auto *nam = media.findChild<QNetworkAccessManager *>();
    if (!nam) {
        qWarning() << "no QNetworkAccessManager under client::Media";
        return;
    }
    auto record = [this](QNetworkReply *r) {
        const qint64 now = nowNs();
        const QString path = r->url().path();
        const int status = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status >= 300 || status == 0)
            ++errors;
        if (path.endsWith(u"/finish")) {
            finished = now;
        } else if (path.endsWith(u"/uploads") &&
                   r->operation() == QNetworkAccessManager::PostOperation) {
            created = now;
        } else if (path.contains(u"/uploads/") &&
                   r->operation() == QNetworkAccessManager::CustomOperation) {
            if (firstChunk < 0)
                firstChunk = now;
            lastChunk = now;
            ++chunks;
        } else if (path.contains(u"/blobs/")) {
            fetched = now;
            ++gets;
        }
    };
    QObject::connect(nam, &QNetworkAccessManager::finished, nam, record);
    // Replies made beside the QNetworkAccessManager (the media client's chunk uploads).
    QObject *http = nam->parent();
    auto *spotter = new ReplySpotter(http, [record](QNetworkReply *reply) {
        QObject::connect(reply, &QNetworkReply::finished, reply,
                         [record, reply] { record(reply); });
    });
    for (QObject *sibling : http->children())
        if (sibling != nam && sibling != spotter)
            sibling->installEventFilter(spotter);
}

RssSampler::RssSampler(qint64 pid)
    : m_pid(pid) {}

RssSampler::~RssSampler() {
    stop();
}

void RssSampler::start() {
    stop();
    m_peakKb = 0;
    m_peakAt = 0;
    m_run = true;
    m_thread = std::thread([this] {
        while (m_run) {
            const double mb = statusMb(m_pid, "VmRSS:");
            if (mb > 0 && qint64(mb * 1024) > m_peakKb) {
                m_peakKb = qint64(mb * 1024);
                m_peakAt = nowNs();
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    });
}

double RssSampler::stop() {
    m_run = false;
    if (m_thread.joinable())
        m_thread.join();
    return double(m_peakKb) / 1024.0;
}

StallTracer::StallTracer(double thresholdMs)
    : m_threshold(thresholdMs) {}

StallTracer::~StallTracer() {
    stop();
}

void StallTracer::start() {
    m_entries.clear();
    m_lastStart = -1;
    if (!m_running)
        QCoreApplication::instance()->installEventFilter(this);
    m_running = true;
}

void StallTracer::stop() {
    if (m_running)
        QCoreApplication::instance()->removeEventFilter(this);
    m_running = false;
}

bool StallTracer::eventFilter(QObject *watched, QEvent *event) {
    if (QThread::currentThread() != thread())
        return false;
    const qint64 now = nowNs();
    if (m_lastStart >= 0) {
        const double ms = msBetween(m_lastStart, now);
        if (ms > m_threshold)
            m_entries.append({ms, m_last});
    }
    m_lastStart = now;
    m_last = QStringLiteral("%1 %2")
                 .arg(int(event->type()))
                 .arg(QString::fromLatin1(watched->metaObject()->className()));
    if (!watched->objectName().isEmpty())
        m_last += u'/' + watched->objectName();
    return false;
}

QStringList StallTracer::longest(int n) const {
    QList<Entry> sorted = m_entries;
    std::sort(sorted.begin(), sorted.end(),
              [](const Entry &a, const Entry &b) { return a.ms > b.ms; });
    QStringList out;
    for (qsizetype i = 0; i < std::min<qsizetype>(n, sorted.size()); ++i)
        out << QStringLiteral("%1 ms after event %2")
                   .arg(sorted[i].ms, 0, 'f', 1)
                   .arg(sorted[i].what);
    return out;
}

QByteArray fileSha256(const QString &path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    QByteArray buf(4 << 20, Qt::Uninitialized);
    for (qint64 n; (n = f.read(buf.data(), buf.size())) > 0;)
        crypto_hash_sha256_update(&h, reinterpret_cast<const unsigned char *>(buf.constData()),
                                  quint64(n));
    QByteArray out(crypto_hash_sha256_BYTES, Qt::Uninitialized);
    crypto_hash_sha256_final(&h, reinterpret_cast<unsigned char *>(out.data()));
    return out.toHex();
}

} // namespace tidings::bench
