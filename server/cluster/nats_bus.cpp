#include "cluster/nats_bus.h"

#include "core/logging.h"

#include <nats/nats.h>

#include <QLoggingCategory>
#include <QPointer>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace tidings::server {

struct NatsBus::Mailbox {
    std::mutex mutex;
    QPointer<NatsBus> target; //!< null once the bus is gone: nothing more is posted
    bool closing = false;
    natsConnection *conn = nullptr;
    std::vector<natsSubscription *> subs;
    std::vector<std::pair<QByteArray, QByteArray>> mail;
    bool mailPosted = false;
    bool lostPosted = false;
    // Shutdown: libnats' threads may call in until the connection's closed callback and every
    // subscription's completion callback have run; the destructor waits for them.
    int pendingCompletions = 0;
    bool closedCalled = false;
    std::condition_variable finished;
    std::thread connector;
    std::atomic<quint64> published{0}, publishedBytes{0}, publishFailures{0}, dropped{0};

    // Publishing happens on a thread of its own: a write to a NATS server that stops reading
    // would otherwise block the event loop (until the write deadline).
    std::mutex outMutex;
    std::condition_variable outReady;
    std::deque<std::pair<QByteArray, QByteArray>> outQueue;
    qint64 outBytes = 0;
    bool outStop = false;
    std::thread writer;

    void writeLoop() {
        for (;;) {
            std::deque<std::pair<QByteArray, QByteArray>> batch;
            {
                std::unique_lock lock(outMutex);
                outReady.wait(lock, [this] { return outStop || !outQueue.empty(); });
                if (outStop)
                    return;
                batch.swap(outQueue);
                outBytes = 0;
            }
            natsConnection *c = nullptr;
            {
                std::lock_guard lock(mutex);
                c = conn;
            }
            for (const auto &[subject, data] : batch) {
                // Without a connection yet, or past the reconnect buffer: lost, which the
                // receivers find by the sequence numbers.
                const natsStatus st = c ? natsConnection_Publish(c, subject.constData(),
                                                                 data.constData(), int(data.size()))
                                        : NATS_NOT_YET_CONNECTED;
                if (st != NATS_OK) {
                    publishFailures.fetch_add(1, std::memory_order_relaxed);
                    continue;
                }
                published.fetch_add(1, std::memory_order_relaxed);
                publishedBytes.fetch_add(quint64(data.size()), std::memory_order_relaxed);
            }
        }
    }

    //! Runs `f` on the bus's thread, unless the bus is gone. Called with `mutex` held.
    template <typename F> void post(F f) {
        if (target)
            QMetaObject::invokeMethod(target.data(), std::move(f), Qt::QueuedConnection);
    }
};

namespace {

// libnats' callbacks: `closure` is the Mailbox, which outlives the connection (see start()).
void onNatsMessage(natsConnection *, natsSubscription *, natsMsg *msg, void *closure) {
    auto *box = static_cast<NatsBus::Mailbox *>(closure);
    QByteArray subject(natsMsg_GetSubject(msg));
    QByteArray data(natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
    natsMsg_Destroy(msg);
    std::lock_guard lock(box->mutex);
    box->mail.emplace_back(std::move(subject), std::move(data));
    // One queued call per burst: the loop takes everything that came meanwhile at once.
    if (!std::exchange(box->mailPosted, true))
        box->post([t = box->target] {
            if (t)
                QMetaObject::invokeMethod(t.data(), "takeMail", Qt::DirectConnection);
        });
}

void onNatsUp(natsConnection *, void *closure) {
    auto *box = static_cast<NatsBus::Mailbox *>(closure);
    std::lock_guard lock(box->mutex);
    box->post([t = box->target] {
        if (t)
            QMetaObject::invokeMethod(t.data(), "onUp", Qt::DirectConnection);
    });
}

void onNatsDown(natsConnection *, void *closure) {
    auto *box = static_cast<NatsBus::Mailbox *>(closure);
    std::lock_guard lock(box->mutex);
    box->post([t = box->target] {
        if (t)
            QMetaObject::invokeMethod(t.data(), "onDown", Qt::DirectConnection);
    });
}

void onNatsClosed(natsConnection *, void *closure) {
    auto *box = static_cast<NatsBus::Mailbox *>(closure);
    std::lock_guard lock(box->mutex);
    box->closedCalled = true;
    box->finished.notify_all();
}

void onNatsSubscriptionDone(void *closure) {
    auto *box = static_cast<NatsBus::Mailbox *>(closure);
    std::lock_guard lock(box->mutex);
    --box->pendingCompletions;
    box->finished.notify_all();
}

void onNatsError(natsConnection *, natsSubscription *, natsStatus err, void *closure) {
    auto *box = static_cast<NatsBus::Mailbox *>(closure);
    if (err != NATS_SLOW_CONSUMER)
        return;
    box->dropped.fetch_add(1);
    std::lock_guard lock(box->mutex);
    if (!std::exchange(box->lostPosted, true))
        box->post([t = box->target] {
            if (t)
                QMetaObject::invokeMethod(t.data(), "onLost", Qt::DirectConnection);
        });
}

} // namespace

NatsBus::NatsBus(QStringList servers, QString clientName, QObject *parent)
    : QObject(parent)
    , m_servers(std::move(servers))
    , m_name(std::move(clientName))
    , m_mailbox(std::make_shared<Mailbox>()) {
    m_mailbox->target = this;
}

NatsBus::~NatsBus() {
    Mailbox *box = m_mailbox.get();
    // The writer first (a write in progress ends by its deadline at the latest), then the
    // connect thread (its attempt ends by the connect timeout), then the connection.
    {
        std::lock_guard lock(box->outMutex);
        box->outStop = true;
    }
    box->outReady.notify_all();
    if (box->writer.joinable())
        box->writer.join();
    if (box->connector.joinable())
        box->connector.join();
    natsConnection *conn = nullptr;
    std::vector<natsSubscription *> subs;
    {
        std::lock_guard lock(box->mutex);
        box->closing = true;
        box->target = nullptr;
        conn = std::exchange(box->conn, nullptr);
        subs = std::exchange(box->subs, {});
    }
    for (natsSubscription *s : subs)
        natsSubscription_Unsubscribe(s);
    if (conn)
        natsConnection_Close(conn); // flushes briefly: at shutdown only
    // libnats' threads are done with the Mailbox once the closed callback and every
    // subscription's completion have run; only then may it go.
    bool done = false;
    {
        std::unique_lock lock(box->mutex);
        done = box->finished.wait_for(lock, std::chrono::seconds(5), [box, conn] {
            return box->pendingCompletions == 0 && (!conn || box->closedCalled);
        });
    }
    for (natsSubscription *s : subs)
        natsSubscription_Destroy(s);
    if (conn)
        natsConnection_Destroy(conn);
    if (!done) {
        // Something in libnats still holds it: kept for the life of the process rather than
        // freed under a running thread.
        qCWarning(lcCluster) << "the NATS client did not finish within 5 s; leaving it be";
        new std::shared_ptr<Mailbox>(m_mailbox);
    }
}

void NatsBus::start() {
    if (std::exchange(m_started, true))
        return;
    // The connect itself waits on the network (up to its timeout per server), so it runs on a
    // thread of its own (joined by the destructor).
    Mailbox *box = m_mailbox.get();
    std::vector<QByteArray> urls;
    for (const QString &s : m_servers)
        urls.push_back(s.toUtf8());
    const QByteArray name = m_name.toUtf8();
    box->writer = std::thread([box] { box->writeLoop(); });
    box->connector = std::thread([box, urls = std::move(urls), name] {
        natsOptions *opts = nullptr;
        if (natsOptions_Create(&opts) != NATS_OK)
            return;
        std::vector<const char *> list;
        for (const QByteArray &u : urls)
            list.push_back(u.constData());
        natsOptions_SetServers(opts, list.data(), int(list.size()));
        natsOptions_SetName(opts, name.constData());
        // A node does not hear its own broadcasts.
        natsOptions_SetNoEcho(opts, true);
        // Our pushes are batched per turn of the event loop already: each goes out at once
        // (the library's own buffering added about 0.8 ms per hop), from the writer thread,
        // and a server that stops reading fails the write after 2 s instead of holding it.
        natsOptions_SetSendAsap(opts, true);
        natsOptions_SetWriteDeadline(opts, 2000);
        // Never give up: a node without its bus still serves its own connections.
        natsOptions_SetMaxReconnect(opts, -1);
        natsOptions_SetReconnectWait(opts, 250);
        natsOptions_SetReconnectJitter(opts, 250, 1000);
        natsOptions_SetTimeout(opts, 2000);
        // A server that stops answering is noticed within about 6 s (the default: 4 minutes).
        natsOptions_SetPingInterval(opts, 2000);
        natsOptions_SetMaxPingsOut(opts, 3);
        natsOptions_SetDisconnectedCB(opts, onNatsDown, box);
        natsOptions_SetReconnectedCB(opts, onNatsUp, box);
        natsOptions_SetErrorHandler(opts, onNatsError, box);
        natsOptions_SetClosedCB(opts, onNatsClosed, box);
        natsOptions_SetRetryOnFailedConnect(opts, true, onNatsUp, box);
        natsConnection *conn = nullptr;
        const natsStatus s = natsConnection_Connect(&conn, opts);
        natsOptions_Destroy(opts);
        if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
            qCWarning(lcCluster) << "cannot use the NATS servers:" << natsStatus_GetText(s);
            return;
        }
        std::lock_guard lock(box->mutex);
        box->conn = conn; // the destructor joins this thread before it looks
        const bool connected = s == NATS_OK;
        box->post([t = box->target, connected] {
            if (!t)
                return;
            QMetaObject::invokeMethod(t.data(), "onConnection", Qt::DirectConnection,
                                      Q_ARG(bool, connected));
        });
    });
}

void NatsBus::subscribe(const QByteArray &subject) {
    m_subjects.append(subject);
    subscribeNow(subject);
}

void NatsBus::subscribeNow(const QByteArray &subject) {
    std::lock_guard lock(m_mailbox->mutex);
    if (!m_mailbox->conn)
        return; // made in onConnection
    natsSubscription *sub = nullptr;
    const natsStatus s = natsConnection_Subscribe(&sub, m_mailbox->conn, subject.constData(),
                                                  onNatsMessage, m_mailbox.get());
    if (s != NATS_OK) {
        qCWarning(lcCluster) << "cannot subscribe to" << subject << natsStatus_GetText(s);
        return;
    }
    // Generous: a burst of a 500-member group's pushes must not be dropped as a slow consumer.
    natsSubscription_SetPendingLimits(sub, 1'000'000, 512 * 1024 * 1024);
    if (natsSubscription_SetOnCompleteCB(sub, onNatsSubscriptionDone, m_mailbox.get()) == NATS_OK)
        ++m_mailbox->pendingCompletions;
    m_mailbox->subs.push_back(sub);
}

bool NatsBus::publish(const QByteArray &subject, const QByteArray &data) {
    {
        std::lock_guard lock(m_mailbox->outMutex);
        if (m_mailbox->outBytes + data.size() > kMaxQueuedBytes) {
            m_mailbox->publishFailures.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        m_mailbox->outBytes += data.size();
        m_mailbox->outQueue.emplace_back(subject, data);
    }
    m_mailbox->outReady.notify_one();
    return true;
}

qint64 NatsBus::maxPayload() const {
    std::lock_guard lock(m_mailbox->mutex);
    return m_mailbox->conn ? qint64(natsConnection_GetMaxPayload(m_mailbox->conn)) : 0;
}

NatsBus::Stats NatsBus::stats() const {
    Stats s;
    s.published = m_mailbox->published.load(std::memory_order_relaxed);
    s.publishedBytes = m_mailbox->publishedBytes.load(std::memory_order_relaxed);
    s.publishFailures = m_mailbox->publishFailures.load(std::memory_order_relaxed);
    s.dropped = m_mailbox->dropped.load(std::memory_order_relaxed);
    s.received = m_received;
    s.receivedBytes = m_receivedBytes;
    return s;
}

void NatsBus::takeMail() {
    std::vector<std::pair<QByteArray, QByteArray>> mail;
    {
        std::lock_guard lock(m_mailbox->mutex);
        mail.swap(m_mailbox->mail);
        m_mailbox->mailPosted = false;
    }
    QPointer<NatsBus> alive(this);
    for (auto &[subject, data] : mail) {
        ++m_received;
        m_receivedBytes += quint64(data.size());
        emit message(subject, data);
        if (!alive)
            return;
    }
}

void NatsBus::onConnection(bool connected) {
    m_haveConnection = true;
    for (const QByteArray &s : std::as_const(m_subjects))
        subscribeNow(s);
    if (connected || m_upBeforeConnection)
        onUp();
}

void NatsBus::onUp() {
    // libnats may report the connection before start()'s thread has handed it over: `up` waits
    // until the subscriptions are made, so that answers to what a listener publishes on `up`
    // are heard.
    if (!m_haveConnection) {
        m_upBeforeConnection = true;
        return;
    }
    if (std::exchange(m_up, true))
        return;
    qCInfo(lcCluster) << "connected to NATS";
    emit up();
}

void NatsBus::onDown() {
    if (!std::exchange(m_up, false))
        return;
    qCWarning(lcCluster) << "lost the NATS servers; reconnecting";
    emit down();
}

void NatsBus::onLost() {
    {
        std::lock_guard lock(m_mailbox->mutex);
        m_mailbox->lostPosted = false;
    }
    qCWarning(lcCluster) << "NATS dropped messages for this node (slow consumer)";
    emit lost();
}

} // namespace tidings::server
