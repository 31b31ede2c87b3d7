#include "upload_queue.h"

#include <QMetaObject>
#include <QObject>
#include <QThreadPool>

#include <deque>
#include <mutex>
#include <optional>
#include <utility>

namespace tidings::media {

//! What the loop and the pool share. `writer` is touched by one thread at a time: by the job
//! while `running`, else by the loop (which then only releases it).
struct UploadQueue::Core {
    std::mutex mutex;
    std::deque<QByteArray> pieces;
    qint64 queued = 0;
    bool running = false; //!< a job is scheduled or running
    bool closing = false;
    bool abandoned = false;
    bool waiting = false; //!< push() said stop: resume when down to lowWater
    std::optional<BlobError> failure;
    std::optional<UploadWriter> writer;
    std::shared_ptr<void> hold;
    QThreadPool *pool = nullptr;
    Limits limits;
    //! Null once the queue is gone: nothing is posted any more. Read and cleared under `mutex`,
    //! so the loop never deletes it while a job posts to it.
    QObject *notifier = nullptr;
    UploadQueue *owner = nullptr;

    //! Runs `fn` with the owner on the loop, if the owner still exists then. Call with `mutex`.
    template <typename Fn> void post(Fn fn) {
        if (!notifier)
            return;
        QMetaObject::invokeMethod(
            notifier, [o = owner, fn = std::move(fn)]() mutable { fn(o); }, Qt::QueuedConnection);
    }
    //! Moves the writer and the hold out, to be destroyed outside the lock. Call with `mutex`.
    std::pair<std::optional<UploadWriter>, std::shared_ptr<void>> takeWriter() {
        std::optional<UploadWriter> w;
        if (writer) {
            w.emplace(std::move(*writer));
            writer.reset();
        }
        return {std::move(w), std::move(hold)};
    }
};

UploadQueue::UploadQueue(UploadWriter writer, QThreadPool *pool, std::shared_ptr<void> hold)
    : UploadQueue(std::move(writer), pool, std::move(hold), Limits{}) {}

UploadQueue::UploadQueue(UploadWriter writer, QThreadPool *pool, std::shared_ptr<void> hold,
                         Limits limits)
    : m_core(std::make_shared<Core>())
    , m_notifier(std::make_unique<QObject>()) {
    m_core->writer.emplace(std::move(writer));
    m_core->hold = std::move(hold);
    m_core->pool = pool;
    m_core->limits = limits;
    m_core->notifier = m_notifier.get();
    m_core->owner = this;
}

UploadQueue::~UploadQueue() {
    abandon();
    std::lock_guard lock(m_core->mutex);
    m_core->notifier = nullptr; // m_notifier (and what was posted to it) goes after this
    m_core->owner = nullptr;
}

bool UploadQueue::push(QByteArray piece) {
    std::lock_guard lock(m_core->mutex);
    if (m_core->abandoned || m_core->closing || m_core->failure || piece.isEmpty())
        return true;
    m_core->queued += piece.size();
    m_core->pieces.push_back(std::move(piece));
    const bool full = m_core->queued > m_core->limits.highWater;
    if (!m_core->running && (full || m_core->queued >= m_core->limits.batch)) {
        m_core->running = true;
        m_core->pool->start([core = m_core] { run(core); });
    }
    if (full) {
        m_core->waiting = true;
        return false;
    }
    return true;
}

void UploadQueue::setResumeCallback(std::function<void()> resume) {
    m_resume = std::move(resume);
}

void UploadQueue::setErrorCallback(std::function<void(const BlobError &)> failed) {
    m_failed = std::move(failed);
}

void UploadQueue::close(std::function<void(BlobResult<quint64>)> done) {
    m_done = std::move(done);
    m_closed = true;
    std::lock_guard lock(m_core->mutex);
    if (m_core->abandoned || m_core->closing)
        return;
    m_core->closing = true;
    if (!m_core->running) {
        m_core->running = true;
        m_core->pool->start([core = m_core] { run(core); });
    }
}

void UploadQueue::abandon() {
    m_resume = nullptr;
    m_failed = nullptr;
    m_done = nullptr;
    std::unique_lock lock(m_core->mutex);
    m_core->abandoned = true;
    if (m_core->running)
        return; // the job writes what is queued, then releases the writer
    if (!m_core->pieces.empty() && !m_core->failure) {
        m_core->running = true; // less than a batch waits: written, then released
        m_core->pool->start([core = m_core] { run(core); });
        return;
    }
    auto released = m_core->takeWriter();
    lock.unlock();
}

qint64 UploadQueue::queuedBytes() const {
    std::lock_guard lock(m_core->mutex);
    return m_core->queued;
}

void UploadQueue::run(const std::shared_ptr<Core> &core) {
    std::unique_lock lock(core->mutex);
    qint64 budget = core->limits.budget;
    for (;;) {
        if (!core->failure && !core->pieces.empty()) {
            if (budget <= 0) {
                // Other uploads' jobs get the thread first; `running` stays set for this one.
                core->pool->start([core] { run(core); });
                return;
            }
            QByteArray piece = std::move(core->pieces.front());
            core->pieces.pop_front();
            lock.unlock();
            const BlobStatus written = core->writer->write(piece);
            lock.lock();
            core->queued -= piece.size();
            budget -= piece.size();
            if (!written) {
                // The writer cut the partial piece off; nothing after it may be written.
                core->failure = written.error();
                core->pieces.clear();
                core->queued = 0;
                // Free the upload's lock at once: the client may retry as soon as it reads the
                // refusal.
                {
                    auto released = core->takeWriter();
                    lock.unlock();
                }
                lock.lock();
                core->post([e = written.error()](UploadQueue *q) {
                    // A copy: answering the request may abandon (and so clear) the queue.
                    if (auto failed = q->m_failed; failed && !q->m_closed)
                        failed(e);
                });
                continue;
            }
            if (core->waiting && core->queued <= core->limits.lowWater) {
                core->waiting = false;
                core->post([](UploadQueue *q) {
                    if (auto resume = q->m_resume)
                        resume();
                });
            }
            continue;
        }
        if (core->closing && !core->abandoned) {
            std::optional<BlobResult<quint64>> result;
            if (core->failure) {
                result.emplace(*core->failure);
            } else {
                lock.unlock();
                result.emplace(core->writer->commit());
                lock.lock();
            }
            // The upload's lock and the hold go before the answer: the client's next chunk may
            // come the moment it reads it.
            {
                auto released = core->takeWriter();
                lock.unlock();
            }
            lock.lock();
            core->running = false;
            core->abandoned = true; // done: nothing more is written or reported
            core->post([r = std::move(*result)](UploadQueue *q) mutable {
                if (auto done = std::exchange(q->m_done, nullptr))
                    done(std::move(r));
            });
            return;
        }
        core->running = false;
        if (core->abandoned) {
            auto released = core->takeWriter();
            lock.unlock();
        }
        return;
    }
}

} // namespace tidings::media
