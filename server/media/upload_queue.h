#pragma once
// One chunk's bytes on their way to the disk, off the event loop. The loop push()es the body
// pieces as they arrive; a job on a thread pool writes them in order through the UploadWriter
// and, once close() was called and everything is written, fdatasyncs and reports the new
// offset. Why: a write(2) under writeback throttling, or an fdatasync, can take milliseconds or
// more, and the loop that receives chunks also delivers every chat message.
//
// Memory is bounded: push() says "stop" once more than Limits::highWater bytes wait for the disk,
// and the resume callback runs when the writer is down to Limits::lowWater, so the HTTP
// connection stops reading the socket meanwhile and TCP slows the client down.
//
// The first failed write (e.g. ENOSPC; the writer cuts the partial piece off) drops whatever is
// queued, releases the writer at once and is reported once: to the error callback while the body
// still arrives, or to close()'s callback after it. One job per queue runs at a time (so pieces
// stay in order); it yields its thread after a budget of bytes so that many uploads share a
// small pool fairly.
//
// All member functions and every callback run on the thread that created the queue (the event
// loop). Destroying the queue abandons it (see abandon()).
#include "media/blob_store.h"

#include <QByteArray>

#include <functional>
#include <memory>

class QObject;
class QThreadPool;

namespace tidings::media {

class UploadQueue {
public:
    struct Limits {
        qint64 highWater = 1024 * 1024; //!< push() asks to stop above this many queued bytes
        qint64 lowWater = 256 * 1024;   //!< ... and resume() runs at or below this
        qint64 budget = 1024 * 1024;    //!< bytes one job writes before it yields its thread
        //! A job starts once this much is queued (or at close or abandon): a thread handoff per
        //! 64 KiB piece costs the server a quarter more CPU per uploaded byte.
        qint64 batch = 256 * 1024;
    };

    //! `hold` is released together with the writer (e.g. a per-user slot). `pool` must outlive
    //! the jobs it runs (wait for it before the objects they touch go).
    UploadQueue(UploadWriter writer, QThreadPool *pool, std::shared_ptr<void> hold = {});
    UploadQueue(UploadWriter writer, QThreadPool *pool, std::shared_ptr<void> hold, Limits limits);
    ~UploadQueue();
    UploadQueue(const UploadQueue &) = delete;
    UploadQueue &operator=(const UploadQueue &) = delete;

    //! Queues the next piece. False: more than highWater bytes wait now; stop pushing until the
    //! resume callback runs.
    bool push(QByteArray piece);
    //! Runs once per push() that returned false, when the queue is down to lowWater.
    //! Pieces pushed after a failure or abandon() are dropped.
    void setResumeCallback(std::function<void()> resume);
    //! The first failed write, if it happens before close().
    void setErrorCallback(std::function<void(const BlobError &)> failed);
    //! No more pieces: after the last is written, fdatasync; `done` gets the new offset (or the
    //! first failure). The writer and `hold` are released before `done` runs.
    void close(std::function<void(BlobResult<quint64>)> done);
    //! The body ended early (the client went away): no more pieces and no commit. What was
    //! pushed is still written, as the bytes a client sent before a cut always were (its resume
    //! then starts after them); then the writer and `hold` are released. Nothing is reported.
    void abandon();

    //! Bytes pushed but not yet written (for tests and diagnostics).
    qint64 queuedBytes() const;

private:
    struct Core;
    static void run(const std::shared_ptr<Core> &core);

    std::shared_ptr<Core> m_core;
    std::unique_ptr<QObject> m_notifier; //!< results reach the loop through it
    std::function<void()> m_resume;
    std::function<void(const BlobError &)> m_failed;
    std::function<void(BlobResult<quint64>)> m_done;
    bool m_closed = false; //!< close() was called: a failure goes to m_done only
};

} // namespace tidings::media
