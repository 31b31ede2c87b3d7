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
};

class Argon2Hasher final : public QObject, public PasswordHasher {
    Q_OBJECT
public:
    //! `cheap`: libsodium's minimum limits (tests) instead of its "interactive" ones.
    explicit Argon2Hasher(bool cheap, QObject *parent = nullptr);
    ~Argon2Hasher() override;

    void hash(const QByteArray &password, std::function<void(QByteArray)> done) override;
    void verify(const QByteArray &stored, const QByteArray &password,
                std::function<void(bool)> done) override;

private:
    template <typename Work, typename Done> void offload(Work work, Done done, int priority);

    bool m_cheap;
    QThreadPool *m_pool;
};

} // namespace tidings::server
