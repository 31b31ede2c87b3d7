#pragma once
// Argon2id hashing and verification take tens of milliseconds: they run on a small thread pool,
// never on the event loop. Verifications (logins) go ahead of queued hashes (registrations).
// An interface so the account logic is tested without the cost.
#include <QByteArray>
#include <QObject>

#include <functional>

class QThreadPool;

namespace tidings::server {

class PasswordHasher {
public:
    virtual ~PasswordHasher() = default;
    //! An Argon2id string, or empty on failure.
    virtual void hash(const QByteArray &password, std::function<void(QByteArray)> done) = 0;
    //! An empty `stored` (unknown user) costs as much as a real check and answers false, so
    //! that timing does not tell which usernames exist.
    virtual void verify(const QByteArray &stored, const QByteArray &password,
                        std::function<void(bool)> done) = 0;
    //! True while as many hashes wait or run as the queue holds: callers answer RATE_LIMITED
    //! instead of queueing, so a flood of registrations or logins cannot make every login wait
    //! behind it for minutes (each hash takes tens of milliseconds on one of two threads).
    virtual bool saturated() const { return false; }
};

class Argon2Hasher final : public QObject, public PasswordHasher {
    Q_OBJECT
public:
    //! `cheap`: libsodium's minimum limits (tests) instead of its "interactive" ones.
    //! `maxQueued`: hashes waiting or running at most (saturated() past it).
    explicit Argon2Hasher(bool cheap, int maxQueued = 64, QObject *parent = nullptr);
    ~Argon2Hasher() override;

    void hash(const QByteArray &password, std::function<void(QByteArray)> done) override;
    void verify(const QByteArray &stored, const QByteArray &password,
                std::function<void(bool)> done) override;
    bool saturated() const override { return m_pending >= m_maxQueued; }
    int pending() const { return m_pending; }

private:
    template <typename Work, typename Done> void offload(Work work, Done done, int priority);

    bool m_cheap;
    int m_maxQueued;
    int m_pending = 0; //!< started and not yet answered (event-loop thread only)
    QThreadPool *m_pool;
};

} // namespace tidings::server
