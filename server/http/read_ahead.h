#pragma once
// A response body read from its device on a thread pool, ahead of the socket. Why: a read that
// misses the page cache costs a disk seek (milliseconds on a spinning or network disk), and the
// event loop that streams downloads also delivers every chat message. The connection take()s
// ready blocks as the socket drains; at most `depth` blocks of `blockBytes` wait in memory per
// response, and one job per response reads at a time (the device is never used by two threads
// at once).
//
// A device that ends before the promised length (a truncated file) or fails to read is a typed
// error, delivered after the blocks read before it. Member functions and the ready callback run
// on the thread that created the ReadAhead; destroying it drops what was read, and the device is
// deleted once a read in progress is done.
#include <QByteArray>
#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <variant>

class QIODevice;
class QObject;
class QThreadPool;

namespace tidings::http {

enum class ReadFailure {
    ShortRead, //!< the device ended before the length it was to deliver
    Io,        //!< the device reported a read error
};

struct ReadError {
    ReadFailure failure = ReadFailure::Io;
    QString detail;
};

class ReadAhead {
public:
    struct Limits {
        qint64 blockBytes = 256 * 1024;
        int depth = 2; //!< blocks read ahead (ready or being read) at most
    };
    //! Nothing ready yet (the ready callback runs when there is), a block, or the failure.
    using Next = std::variant<std::monostate, QByteArray, ReadError>;

    //! Reads `length` bytes of `device` from its current position; `ready` runs on this thread
    //! whenever take() returned nothing and a block (or an error) arrived since.
    ReadAhead(std::unique_ptr<QIODevice> device, quint64 length, QThreadPool *pool,
              std::function<void()> ready);
    ReadAhead(std::unique_ptr<QIODevice> device, quint64 length, QThreadPool *pool,
              std::function<void()> ready, Limits limits);
    ~ReadAhead();
    ReadAhead(const ReadAhead &) = delete;
    ReadAhead &operator=(const ReadAhead &) = delete;

    Next take();
    //! Bytes not yet handed out by take().
    quint64 remaining() const { return m_remaining; }

private:
    struct Core;
    static void run(const std::shared_ptr<Core> &core);

    std::shared_ptr<Core> m_core;
    std::unique_ptr<QObject> m_notifier;
    std::function<void()> m_ready;
    quint64 m_remaining = 0;
};

} // namespace tidings::http
