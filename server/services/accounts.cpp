#include "services/accounts.h"

#include "db/pg_connection.h"
#include "gateway/session.h"
#include "protocol/limits.h"
#include "routing/router.h"
#include "server_logging.h"
#include "services/replies.h"

#include <QDateTime>
#include <QThreadPool>

#include <sodium.h>

namespace tidings::server {

namespace {
constexpr qint64 kWindowMs = 60 * 1000;

Error badCredentials() {
    return Error{ErrorCode::BadCredentials, QStringLiteral("wrong username or password")};
}

} // namespace

AccountService::AccountService(const ServerConfig &config, PgPool *pool, Router *router,
                               QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_pool(pool)
    , m_router(router)
    , m_hashPool(new QThreadPool(this)) {
    if (sodium_init() < 0)
        qFatal("libsodium failed to initialise");
    m_hashPool->setMaxThreadCount(2);
}

AccountService::~AccountService() {
    m_hashPool->waitForDone();
}

QByteArray AccountService::hashToken(const QByteArray &token) {
    QByteArray out(crypto_hash_sha256_BYTES, Qt::Uninitialized);
    crypto_hash_sha256(reinterpret_cast<unsigned char *>(out.data()),
                       reinterpret_cast<const unsigned char *>(token.constData()),
                       quint64(token.size()));
    return out;
}

template <typename Work, typename Done> void AccountService::offload(Work work, Done done) {
    QPointer<AccountService> self(this);
    m_hashPool->start([self, work = std::move(work), done = std::move(done)]() mutable {
        auto result = work();
        if (!self)
            return;
        QMetaObject::invokeMethod(
            self, [done = std::move(done), result = std::move(result)]() mutable { done(result); },
            Qt::QueuedConnection);
    });
}

std::optional<Error> AccountService::checkRateLimit(const QString &username,
                                                    const QString &peer) const {
    const qint64 t = m_config.nowMs();
    for (const QString &key : {QStringLiteral("u:") + username, QStringLiteral("p:") + peer}) {
        if (key == QLatin1String("u:"))
            continue; // token authentication has no username
        const auto it = m_failures.constFind(key);
        if (it == m_failures.cend())
            continue;
        // Per peer address the budget is larger: several people may share one address.
        const int budget = m_config.loginFailuresPerMinute * (key.startsWith('p') ? 4 : 1);
        int recent = 0;
        qint64 oldest = t;
        for (qint64 at : *it)
            if (t - at < kWindowMs) {
                ++recent;
                oldest = std::min(oldest, at);
            }
        if (recent >= budget)
            return Error{ErrorCode::RateLimited, QStringLiteral("too many failed attempts"),
                         quint32(std::max<qint64>(1000, kWindowMs - (t - oldest)))};
    }
    return std::nullopt;
}

void AccountService::recordFailure(const QString &username, const QString &peer) {
    const qint64 t = m_config.nowMs();
    for (const QString &key : {QStringLiteral("u:") + username, QStringLiteral("p:") + peer}) {
        if (key == QLatin1String("u:"))
            continue;
        auto &q = m_failures[key];
        q.push_back(t);
        while (q.size() > 64)
            q.pop_front();
    }
}

void AccountService::pruneRateLimits() {
    const qint64 t = m_config.nowMs();
    for (auto it = m_failures.begin(); it != m_failures.end();) {
        while (!it->empty() && t - it->front() >= kWindowMs)
            it->pop_front();
        it = it->empty() ? m_failures.erase(it) : std::next(it);
    }
}

void AccountService::registerAccount(const wire::RegisterRequest &req, const QString &peer,
                                     Callback cb) {
    const QString username = protocol::normalizeUsername(QString::fromStdString(req.username()));
    const QString display = QString::fromStdString(req.display_name());
    const QString deviceName = QString::fromStdString(req.device_name());
    const std::string password = req.password();
    if (auto limited = checkRateLimit(username, peer)) {
        cb(*limited);
        return;
    }
    // Cheap check first so a taken name costs no hashing.
    m_pool->any()->exec(
        PgQuery{"SELECT 1 FROM users WHERE username = $1", {}, {}}.arg(username),
        [=, this](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcAccounts()));
            if (r.rows() > 0) {
                recordFailure(username, peer);
                return cb(Error{ErrorCode::UsernameTaken,
                                QStringLiteral("the username %1 is taken").arg(username)});
            }
            const bool cheap = m_config.cheapPasswordHashing;
            offload(
                [password, cheap]() -> QByteArray {
                    char out[crypto_pwhash_STRBYTES];
                    const auto ops =
                        cheap ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE;
                    const auto mem =
                        cheap ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;
                    if (crypto_pwhash_str(out, password.data(), password.size(), ops, mem) != 0)
                        return {};
                    return QByteArray(out);
                },
                [=, this](QByteArray hash) {
                    if (hash.isEmpty())
                        return cb(Error{ErrorCode::Internal, QStringLiteral("hashing failed")});
                    const QByteArray token = randomToken();
                    m_pool->any()->exec(
                        PgQuery{
                            "WITH u AS (INSERT INTO users (username, display_name, "
                            "password_hash) VALUES ($1, $2, $3) ON CONFLICT (username) DO "
                            "NOTHING RETURNING id), "
                            "d AS (INSERT INTO devices (user_id, name, created_at) SELECT id, $4, "
                            "to_timestamp($6::double precision / 1000) FROM u "
                            "RETURNING id, user_id), "
                            "t AS (INSERT INTO device_tokens (token_hash, device_id) "
                            "SELECT $5, id FROM d RETURNING device_id) "
                            "SELECT d.user_id, d.id FROM d",
                            {},
                            {}}
                            .arg(username)
                            .arg(display)
                            .arg(hash)
                            .arg(deviceName)
                            .argBytes(hashToken(token))
                            .arg(m_config.nowMs()),
                        [=](PgResult r) {
                            if (!r.ok())
                                return cb(databaseError(r, lcAccounts()));
                            if (r.rows() == 0) // lost a race for the name
                                return cb(Error{
                                    ErrorCode::UsernameTaken,
                                    QStringLiteral("the username %1 is taken").arg(username)});
                            qCDebug(lcAccounts) << "registered user" << r.int64(0, 0);
                            cb(Login{quint64(r.int64(0, 0)),
                                     quint64(r.int64(0, 1)),
                                     username,
                                     {},
                                     token});
                        });
                });
        });
}

QByteArray AccountService::randomToken() {
    QByteArray token(limits::kDeviceTokenBytes, Qt::Uninitialized);
    randombytes_buf(token.data(), size_t(token.size()));
    return token;
}

void AccountService::login(const wire::LoginRequest &req, const QString &peer, Callback cb) {
    const QString username = protocol::normalizeUsername(QString::fromStdString(req.username()));
    const QString deviceName = QString::fromStdString(req.device_name());
    const std::string password = req.password();
    if (auto limited = checkRateLimit(username, peer)) {
        cb(*limited);
        return;
    }
    m_pool->any()->exec(
        PgQuery{"SELECT id, password_hash FROM users WHERE username = $1", {}, {}}.arg(username),
        [=, this](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcAccounts()));
            const bool known = r.rows() > 0;
            const quint64 userId = known ? quint64(r.int64(0, 0)) : 0;
            const QByteArray stored = known ? r.text(0, 1) : QByteArray();
            const bool cheap = m_config.cheapPasswordHashing;
            offload(
                [password, stored, cheap]() -> bool {
                    if (stored.isEmpty()) {
                        // Unknown user: spend the same time as a real check so that timing
                        // does not tell which usernames exist.
                        unsigned char dummy[32];
                        const unsigned char salt[crypto_pwhash_SALTBYTES] = {};
                        [[maybe_unused]] int r = crypto_pwhash(
                            dummy, sizeof dummy, password.data(), password.size(), salt,
                            cheap ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            cheap ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13);
                        return false;
                    }
                    return crypto_pwhash_str_verify(stored.constData(), password.data(),
                                                    password.size()) == 0;
                },
                [=, this](bool ok) {
                    if (!ok) {
                        recordFailure(username, peer);
                        return cb(badCredentials());
                    }
                    createDevice(userId, username, deviceName, cb);
                });
        });
}

void AccountService::createDevice(quint64 userId, const QString &username,
                                  const QString &deviceName, Callback cb) {
    const QByteArray token = randomToken();
    m_pool->any()->exec(
        PgQuery{"WITH d AS (INSERT INTO devices (user_id, name, created_at) VALUES ($1, $2, "
                "to_timestamp($4::double precision / 1000)) "
                "RETURNING id), "
                "t AS (INSERT INTO device_tokens (token_hash, device_id) "
                "SELECT $3, id FROM d RETURNING device_id) "
                "SELECT id FROM d",
                {},
                {}}
            .arg(userId)
            .arg(deviceName)
            .argBytes(hashToken(token))
            .arg(m_config.nowMs()),
        [=](PgResult r) {
            if (!r.ok() || r.rows() == 0)
                return cb(databaseError(r, lcAccounts()));
            cb(Login{userId, quint64(r.int64(0, 0)), username, {}, token});
        });
}

void AccountService::authenticate(const wire::AuthRequest &req, const QString &peer, Callback cb) {
    if (auto limited = checkRateLimit(QString(), peer)) {
        cb(*limited);
        return;
    }
    const QByteArray token = QByteArray::fromStdString(req.device_token());
    m_pool->any()->exec(
        PgQuery{"UPDATE devices d SET last_seen_at = now() FROM device_tokens t, users u "
                "WHERE t.token_hash = $1 AND d.id = t.device_id AND u.id = d.user_id "
                "AND d.revoked_at IS NULL RETURNING d.id, d.user_id, u.username, u.display_name",
                {},
                {}}
            .argBytes(hashToken(token)),
        [=, this](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcAccounts()));
            if (r.rows() == 0) {
                recordFailure(QString(), peer);
                return cb(Error{ErrorCode::BadToken,
                                QStringLiteral("unknown or revoked device token; log in again")});
            }
            cb(Login{quint64(r.int64(0, 1)),
                     quint64(r.int64(0, 0)),
                     r.string(0, 2),
                     r.string(0, 3),
                     {}});
        });
}

void AccountService::listDevices(Session *session, quint64 requestId) {
    QPointer<Session> guard(session);
    const quint64 current = session->deviceId();
    m_pool->any()->exec(
        PgQuery{"SELECT id, name, (extract(epoch FROM created_at) * 1000)::bigint, "
                "COALESCE((extract(epoch FROM last_seen_at) * 1000)::bigint, 0) FROM devices "
                "WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id",
                {},
                {}}
            .arg(session->userId()),
        [this, guard, requestId, current](PgResult r) {
            if (!guard)
                return;
            if (!r.ok())
                return guard->sendError(requestId, databaseError(r, lcAccounts()));
            protocol::Frame out;
            out.set_request_id(requestId);
            auto *list = out.mutable_devices_response();
            for (int i = 0; i < r.rows(); ++i) {
                auto *d = list->add_devices();
                d->set_device_id(quint64(r.int64(i, 0)));
                d->set_name(r.text(i, 1).toStdString());
                d->set_created_ms(r.int64(i, 2));
                d->set_last_seen_ms(r.int64(i, 3));
                d->set_current(d->device_id() == current);
                d->set_online(m_router->sessionOfDevice(d->device_id()) != nullptr);
            }
            guard->send(out);
        });
}

void AccountService::revokeDevice(Session *session, quint64 requestId, quint64 deviceId) {
    QPointer<Session> guard(session);
    m_pool->any()->exec(
        PgQuery{"WITH d AS (UPDATE devices SET revoked_at = now() WHERE id = $1 AND "
                "user_id = $2 "
                "AND revoked_at IS NULL RETURNING id), "
                "t AS (DELETE FROM device_tokens WHERE device_id IN (SELECT id FROM d)), "
                "k AS (DELETE FROM one_time_prekeys WHERE device_id IN (SELECT id FROM d)) "
                "SELECT id FROM d",
                {},
                {}}
            .arg(deviceId)
            .arg(session->userId()),
        [this, guard, requestId, deviceId, userId = session->userId()](PgResult r) {
            if (!r.ok())
                return guard ? guard->sendError(requestId, databaseError(r, lcAccounts())) : void();
            if (r.rows() == 0)
                return guard ? guard->sendError(requestId,
                                                Error{ErrorCode::NoSuchDevice,
                                                      QStringLiteral("no such device of yours")})
                             : void();
            qCInfo(lcAccounts) << "device" << deviceId << "logged out remotely";
            emit deviceRevoked(userId, deviceId);
            sendOk(guard, requestId);
            // Cut off at once, not at its next reconnect.
            if (Session *s = m_router->sessionOfDevice(deviceId))
                s->close(QStringLiteral("this device was logged out"));
        });
}

} // namespace tidings::server
