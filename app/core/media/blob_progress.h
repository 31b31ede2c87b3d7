#pragma once
// How much of an upload blob is on disk while it is still being encrypted: the preparing worker
// advances it after every piece of ciphertext it wrote, and the upload runner (on its own thread)
// sends a chunk as soon as the bytes under it are complete, or asks to be woken when they are.
// This is what lets the wire overlap the encryption instead of waiting for all of it.
//
// Event-driven, no polling: a waiter is one callback, posted (queued) to a context object once
// the bytes it waits for are written or the writer ended (finished, failed or cancelled).
// Checking and arming happen under one mutex, so a wake-up between "not yet" and "wake me" is
// never lost; the writer takes the mutex only while someone waits.
#include <QObject>

#include <atomic>
#include <functional>
#include <mutex>

namespace tidings::client {

class BlobProgress {
public:
    //! Tests: runs on the writer's thread after each advance (e.g. to hold the encryption at a
    //! known point while the upload goes on).
    using Hook = std::function<void(quint64 written)>;
    explicit BlobProgress(Hook hook = {})
        : m_hook(std::move(hook)) {}

    // --- the writer (the preparing worker) ---
    //! `written` bytes from the start of the blob are on disk (readable by another handle).
    void advance(quint64 written);
    //! No more bytes will come (success or not): a waiter is woken to look again.
    void end();

    // --- the reader (the upload runner) ---
    quint64 written() const { return m_written.load(std::memory_order_acquire); }
    bool ended() const { return m_ended.load(std::memory_order_acquire); }
    //! Returns true when `target` bytes are written already (or the writer ended); otherwise
    //! `wake` is posted to `context` once they are (or the writer ended) and false is returned.
    //! One waiter at a time: a new one replaces the old.
    bool reached(quint64 target, QObject *context, std::function<void()> wake);

private:
    void wakeIfDue();

    Hook m_hook;
    std::atomic<quint64> m_written{0};
    std::atomic_bool m_ended{false};
    std::atomic_bool m_armed{false};
    std::mutex m_mutex;
    quint64 m_target = 0;         //!< guarded by m_mutex
    QObject *m_context = nullptr; //!< guarded by m_mutex
    std::function<void()> m_wake; //!< guarded by m_mutex
};

} // namespace tidings::client
