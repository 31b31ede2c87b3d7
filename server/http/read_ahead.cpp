#include "read_ahead.h"

#include <QIODevice>
#include <QMetaObject>
#include <QObject>
#include <QThreadPool>

#include <deque>
#include <mutex>

namespace tidings::http {

struct ReadAhead::Core {
    std::mutex mutex;
    std::unique_ptr<QIODevice> device; //!< used by the job only while `running`
    quint64 toRead = 0;                //!< bytes the job has still to read
    std::deque<QByteArray> blocks;     //!< read, not taken yet
    std::optional<ReadError> failure;
    bool running = false;
    bool waiting = false; //!< take() found nothing: notify when something arrives
    bool cancelled = false;
    QThreadPool *pool = nullptr;
    Limits limits;
    //! Null once the ReadAhead is gone; read and cleared under `mutex`.
    QObject *notifier = nullptr;
    ReadAhead *owner = nullptr;

    //! Starts the job if more should be read and none runs. Call with `mutex`.
    void schedule(const std::shared_ptr<Core> &self) {
        if (running || cancelled || failure || toRead == 0 || int(blocks.size()) >= limits.depth)
            return;
        running = true;
        pool->start([self] { run(self); });
    }
    //! Wakes the consumer if it waits. Call with `mutex`.
    void notify() {
        if (!waiting || !notifier)
            return;
        waiting = false;
        QMetaObject::invokeMethod(
            notifier,
            [o = owner] {
                if (auto ready = o->m_ready)
                    ready();
            },
            Qt::QueuedConnection);
    }
};

ReadAhead::ReadAhead(std::unique_ptr<QIODevice> device, quint64 length, QThreadPool *pool,
                     std::function<void()> ready)
    : ReadAhead(std::move(device), length, pool, std::move(ready), Limits{}) {}

ReadAhead::ReadAhead(std::unique_ptr<QIODevice> device, quint64 length, QThreadPool *pool,
                     std::function<void()> ready, Limits limits)
    : m_core(std::make_shared<Core>())
    , m_notifier(std::make_unique<QObject>())
    , m_ready(std::move(ready))
    , m_remaining(length) {
    // From now on the device is used on pool threads (and may be deleted on one): it must not
    // belong to this thread's event processing.
    if (device)
        device->moveToThread(nullptr);
    m_core->device = std::move(device);
    m_core->toRead = length;
    m_core->pool = pool;
    m_core->limits = limits;
    m_core->notifier = m_notifier.get();
    m_core->owner = this;
    if (!m_core->device && length > 0)
        m_core->failure = ReadError{ReadFailure::Io, QStringLiteral("no device to read from")};
    std::lock_guard lock(m_core->mutex);
    m_core->schedule(m_core);
}

ReadAhead::~ReadAhead() {
    std::unique_ptr<QIODevice> device;
    {
        std::lock_guard lock(m_core->mutex);
        m_core->cancelled = true;
        m_core->blocks.clear();
        m_core->notifier = nullptr;
        m_core->owner = nullptr;
        if (!m_core->running)
            device = std::move(m_core->device); // else the job deletes it when done
    }
}

ReadAhead::Next ReadAhead::take() {
    std::lock_guard lock(m_core->mutex);
    if (!m_core->blocks.empty()) {
        QByteArray block = std::move(m_core->blocks.front());
        m_core->blocks.pop_front();
        m_remaining -= quint64(block.size());
        m_core->schedule(m_core);
        return block;
    }
    if (m_core->failure)
        return *m_core->failure;
    if (m_remaining > 0) {
        m_core->waiting = true;
        m_core->schedule(m_core);
    }
    return std::monostate{};
}

void ReadAhead::run(const std::shared_ptr<Core> &core) {
    std::unique_lock lock(core->mutex);
    while (!core->cancelled && !core->failure && core->toRead > 0 &&
           int(core->blocks.size()) < core->limits.depth) {
        const qint64 want = qint64(qMin<quint64>(core->toRead, quint64(core->limits.blockBytes)));
        lock.unlock();
        QByteArray block(want, Qt::Uninitialized);
        qint64 got = 0;
        QString error;
        while (got < want) {
            const qint64 n = core->device->read(block.data() + got, want - got);
            if (n < 0) {
                error = core->device->errorString();
                break;
            }
            if (n == 0)
                break;
            got += n;
        }
        lock.lock();
        if (got < want) {
            block.truncate(got);
            if (got > 0) {
                core->toRead -= quint64(got);
                core->blocks.push_back(std::move(block));
            }
            core->failure =
                error.isNull()
                    ? ReadError{ReadFailure::ShortRead,
                                QStringLiteral("the source ended %1 bytes early").arg(core->toRead)}
                    : ReadError{ReadFailure::Io, error};
        } else {
            core->toRead -= quint64(got);
            core->blocks.push_back(std::move(block));
        }
        core->notify();
    }
    core->running = false;
    std::unique_ptr<QIODevice> device;
    if (core->cancelled || core->toRead == 0 || core->failure)
        device = std::move(core->device); // not needed any more: closed off the loop
    lock.unlock();
}

} // namespace tidings::http
