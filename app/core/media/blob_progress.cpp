#include "core/media/blob_progress.h"

namespace tidings::client {

void BlobProgress::advance(quint64 written) {
    m_written.store(written, std::memory_order_release);
    if (m_armed.load(std::memory_order_acquire))
        wakeIfDue();
    if (m_hook)
        m_hook(written);
}

void BlobProgress::end() {
    m_ended.store(true, std::memory_order_release);
    if (m_armed.load(std::memory_order_acquire))
        wakeIfDue();
}

bool BlobProgress::reached(quint64 target, QObject *context, std::function<void()> wake) {
    std::lock_guard lock(m_mutex);
    if (written() >= target || ended()) {
        m_armed.store(false, std::memory_order_release);
        m_wake = {};
        return true;
    }
    m_target = target;
    m_context = context;
    m_wake = std::move(wake);
    m_armed.store(true, std::memory_order_release);
    return false;
}

void BlobProgress::wakeIfDue() {
    std::function<void()> wake;
    QObject *context = nullptr;
    {
        std::lock_guard lock(m_mutex);
        if (!m_wake || (written() < m_target && !ended()))
            return;
        m_armed.store(false, std::memory_order_release);
        wake = std::exchange(m_wake, {});
        context = m_context;
    }
    // Queued: the waiter runs on its own thread, never inside the encryption loop.
    QMetaObject::invokeMethod(context, std::move(wake), Qt::QueuedConnection);
}

} // namespace tidings::client
