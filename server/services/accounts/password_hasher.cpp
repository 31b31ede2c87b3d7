#include "services/accounts/password_hasher.h"

#include <QPointer>
#include <QThreadPool>

#include <algorithm>

#include <sodium.h>

namespace tidings::server {

namespace {
// A login waits for at most the hashes already running, never for a queue of registrations:
// 40 registrations at once made a password login take 4.9 s instead of 0.17 s (issue 11).
constexpr int kLoginPriority = 1;
constexpr int kRegisterPriority = 0;
} // namespace

Argon2Hasher::Argon2Hasher(bool cheap, int maxQueued, QObject *parent)
    : QObject(parent)
    , m_cheap(cheap)
    , m_maxQueued(std::max(1, maxQueued))
    , m_pool(new QThreadPool(this)) {
    if (sodium_init() < 0)
        qFatal("libsodium failed to initialise");
    m_pool->setMaxThreadCount(2);
}

Argon2Hasher::~Argon2Hasher() {
    // Shutting down: hashes not started are dropped (their callers are going away with us);
    // only the running ones are waited for. A SIGTERM with hundreds of registrations queued
    // otherwise took minutes.
    m_pool->clear();
    m_pool->waitForDone();
}

template <typename Work, typename Done>
void Argon2Hasher::offload(Work work, Done done, int priority) {
    QPointer<Argon2Hasher> self(this);
    ++m_pending;
    m_pool->start(
        [self, work = std::move(work), done = std::move(done)]() mutable {
            auto result = work();
            if (!self)
                return;
            QMetaObject::invokeMethod(
                self,
                [self, done = std::move(done), result = std::move(result)]() mutable {
                    --self->m_pending;
                    done(result);
                },
                Qt::QueuedConnection);
        },
        priority);
}

void Argon2Hasher::hash(const QByteArray &password, std::function<void(QByteArray)> done) {
    const bool cheap = m_cheap;
    offload(
        [password, cheap]() -> QByteArray {
            char out[crypto_pwhash_STRBYTES];
            const auto ops =
                cheap ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE;
            const auto mem =
                cheap ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;
            if (crypto_pwhash_str(out, password.constData(), quint64(password.size()), ops, mem) !=
                0)
                return {};
            return QByteArray(out);
        },
        std::move(done), kRegisterPriority);
}

void Argon2Hasher::verify(const QByteArray &stored, const QByteArray &password,
                          std::function<void(bool)> done) {
    const bool cheap = m_cheap;
    offload(
        [stored, password, cheap]() -> bool {
            if (stored.isEmpty()) {
                unsigned char dummy[32];
                const unsigned char salt[crypto_pwhash_SALTBYTES] = {};
                [[maybe_unused]] int r = crypto_pwhash(
                    dummy, sizeof dummy, password.constData(), quint64(password.size()), salt,
                    cheap ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE,
                    cheap ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE,
                    crypto_pwhash_ALG_ARGON2ID13);
                return false;
            }
            return crypto_pwhash_str_verify(stored.constData(), password.constData(),
                                            quint64(password.size())) == 0;
        },
        std::move(done), kLoginPriority);
}

} // namespace tidings::server
