#include "services/keys.h"

#include "crypto/crypto_error.h"
#include "crypto/device_list.h"
#include "crypto/x3dh.h"
#include "db/pg_array.h"
#include "db/pg_connection.h"
#include "gateway/session.h"
#include "protocol/limits.h"
#include "routing/router.h"
#include "server_logging.h"
#include "services/device_directory.h"
#include "services/replies.h"

namespace tidings::server {

namespace {

QByteArray bytes(const std::string &s) {
    return QByteArray::fromStdString(s);
}

Error badFrame(const char *detail) {
    return Error{ErrorCode::BadFrame, QString::fromLatin1(detail)};
}

Error identityMismatch(const char *detail) {
    return Error{ErrorCode::IdentityMismatch, QString::fromLatin1(detail)};
}

constexpr qint64 kFetchWindowMs = 60'000;

} // namespace

KeyService::KeyService(const ServerConfig &config, PgPool *pool, Router *router,
                       DeviceDirectory *directory, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_pool(pool)
    , m_router(router)
    , m_directory(directory) {}

void KeyService::uploadKeys(Session *session, quint64 requestId,
                            const wire::UploadKeysRequest &req) {
    const quint64 userId = session->userId();
    const quint64 deviceId = session->deviceId();
    const QByteArray dsk = bytes(req.signing_key());
    const QByteArray dik = bytes(req.identity_key());
    const QByteArray aik = bytes(req.account_key());
    const QByteArray binding = bytes(req.binding_signature());
    // The binding names this connection's user and device: a device can publish keys for
    // itself only, and nobody can re-bind someone else's DSK/DIK to another account key.
    if (!crypto::verifyBinding(crypto::DeviceIdentity{userId, deviceId, dsk, dik}, aik, binding))
        return session->sendError(requestId, badFrame("binding signature does not verify"));
    PgQuery query{"SELECT status, stock FROM tidings_upload_keys($1, $2, $3, $4, $5, $6, $7, "
                  "$8, $9, $10::bigint[], $11::bytea[], $12)",
                  {},
                  {}};
    query.arg(userId).arg(deviceId).argBytes(dsk).argBytes(dik).argBytes(aik).argBytes(binding);
    if (req.has_signed_prekey()) {
        const auto &spk = req.signed_prekey();
        if (!crypto::verifySignedPreKey(dsk, spk.key_id(), bytes(spk.public_key()),
                                        bytes(spk.signature())))
            return session->sendError(requestId,
                                      badFrame("signed prekey signature does not verify"));
        query.arg(quint64(spk.key_id()))
            .argBytes(bytes(spk.public_key()))
            .argBytes(bytes(spk.signature()));
    } else {
        query.argNull().argNull().argNull();
    }
    std::vector<quint64> ids;
    std::vector<QByteArray> pubs;
    for (const auto &k : req.one_time_prekeys()) {
        ids.push_back(k.key_id());
        pubs.push_back(bytes(k.public_key()));
    }
    query.arg(pgarray::ints(ids)).arg(pgarray::byteas(pubs)).arg(limits::kMaxStoredOneTimePrekeys);
    QPointer<Session> guard(session);
    m_pool->forKey(userId)->exec(std::move(query), [guard, requestId](PgResult r) {
        if (!guard)
            return;
        if (!r.ok() || r.rows() != 1)
            return guard->sendError(requestId, databaseError(r, lcKeys()));
        switch (r.int64(0, 0)) {
        case 1:
            return guard->sendError(requestId,
                                    identityMismatch("this device published other keys before"));
        case 2:
            return guard->sendError(requestId,
                                    identityMismatch("account key differs from the pinned one"));
        case 3:
            return guard->sendError(requestId, badFrame("the first upload needs a signed prekey"));
        default:
            break;
        }
        const int stock = int(r.int64(0, 1));
        protocol::Frame out;
        out.set_request_id(requestId);
        out.mutable_keys_response()->set_one_time_prekeys(quint32(stock));
        out.mutable_keys_response()->set_refill(stock < limits::kPrekeyRefillThreshold);
        guard->send(out);
    });
}

std::optional<Error> KeyService::takeFetchBudget(quint64 deviceId) {
    const qint64 now = m_config.nowMs();
    auto &times = m_fetches[deviceId];
    while (!times.empty() && times.front() <= now - kFetchWindowMs)
        times.pop_front();
    if (int(times.size()) >= limits::kMaxBundleFetchesPerMinute) {
        Error e{ErrorCode::RateLimited, QStringLiteral("too many bundle fetches, slow down")};
        e.retryAfterMs = quint32(std::max<qint64>(1, times.front() + kFetchWindowMs - now));
        return e;
    }
    times.push_back(now);
    return std::nullopt;
}

void KeyService::pruneRateLimits() {
    const qint64 now = m_config.nowMs();
    for (auto it = m_fetches.begin(); it != m_fetches.end();) {
        if (it->empty() || it->back() <= now - kFetchWindowMs)
            it = m_fetches.erase(it);
        else
            ++it;
    }
}

void KeyService::fetchBundles(Session *session, quint64 requestId,
                              const wire::FetchBundlesRequest &req) {
    if (auto limited = takeFetchBudget(session->deviceId()))
        return session->sendError(requestId, *limited);
    const quint64 target = req.user_id();
    std::vector<quint64> devices(req.device_ids().begin(), req.device_ids().end());
    struct State {
        bool userKnown = false;
        bool failed = false;
        protocol::Frame out;
    };
    auto state = std::make_shared<State>();
    state->out.set_request_id(requestId);
    QPointer<Session> guard(session);
    auto *db = m_pool->forKey(target);
    // Both statements go out at once on the user's connection; results arrive in order.
    db->exec(PgQuery{"SELECT l.signed_list, l.account_key FROM users u "
                     "LEFT JOIN device_lists l ON l.user_id = u.id WHERE u.id = $1",
                     {},
                     {}}
                 .arg(target),
             [state, target](PgResult r) {
                 if (!r.ok()) {
                     state->failed = true;
                     qCWarning(lcKeys) << "database error:" << r.error().detail;
                     return;
                 }
                 state->userKnown = r.rows() > 0;
                 auto *list = state->out.mutable_bundles_response()->mutable_device_list();
                 list->set_user_id(target);
                 if (r.rows() > 0 && !r.isNull(0, 0)) {
                     list->set_signed_list(r.bytea(0, 0).toStdString());
                     list->set_account_key(r.bytea(0, 1).toStdString());
                 }
             });
    db->exec(PgQuery{"SELECT r_device, r_dsk, r_dik, r_binding, r_spk_id, r_spk, r_spk_sig, "
                     "r_opk_id, r_opk, r_stock, r_taken FROM tidings_fetch_bundles($1, "
                     "$2::bigint[])",
                     {},
                     {}}
                 .arg(target)
                 .arg(pgarray::ints(devices)),
             [this, guard, requestId, state, target](PgResult r) {
                 // The one-time prekeys are gone either way: a client that went away in the
                 // meantime simply fetches again (the keys are never handed out twice).
                 if (!r.ok() || state->failed) {
                     if (guard)
                         guard->sendError(requestId, databaseError(r, lcKeys()));
                     return;
                 }
                 auto *resp = state->out.mutable_bundles_response();
                 for (int i = 0; i < r.rows(); ++i) {
                     auto *b = resp->add_bundles();
                     b->set_user_id(target);
                     b->set_device_id(quint64(r.int64(i, 0)));
                     b->set_signing_key(r.bytea(i, 1).toStdString());
                     b->set_identity_key(r.bytea(i, 2).toStdString());
                     b->set_binding_signature(r.bytea(i, 3).toStdString());
                     auto *spk = b->mutable_signed_prekey();
                     spk->set_key_id(quint32(r.int64(i, 4)));
                     spk->set_public_key(r.bytea(i, 5).toStdString());
                     spk->set_signature(r.bytea(i, 6).toStdString());
                     if (!r.isNull(i, 7)) {
                         b->mutable_one_time_prekey()->set_key_id(quint32(r.int64(i, 7)));
                         b->mutable_one_time_prekey()->set_public_key(r.bytea(i, 8).toStdString());
                     }
                     const int stock = int(r.int64(i, 9));
                     if (r.boolean(i, 10) && stock < limits::kPrekeyRefillThreshold)
                         pushRefill(target, b->device_id(), stock);
                 }
                 if (!guard)
                     return;
                 if (!state->userKnown)
                     return guard->sendError(
                         requestId, Error{ErrorCode::NoSuchUser, QStringLiteral("no such user")});
                 if (resp->bundles_size() == 0)
                     return guard->sendError(
                         requestId, Error{ErrorCode::NoKeys,
                                          QStringLiteral("no published keys for those devices")});
                 guard->send(state->out);
             });
}

void KeyService::pushRefill(quint64 userId, quint64 deviceId, int stock) {
    Session *s = m_router->sessionOfDevice(deviceId);
    if (!s || s->userId() != userId)
        return;
    protocol::Frame f;
    f.mutable_keys_response()->set_one_time_prekeys(quint32(stock));
    f.mutable_keys_response()->set_refill(true);
    s->send(f);
}

void KeyService::publishDeviceList(Session *session, quint64 requestId,
                                   const wire::PublishDeviceListRequest &req) {
    const quint64 userId = session->userId();
    const QByteArray blob = bytes(req.signed_list());
    const QByteArray aik = bytes(req.account_key());
    auto list = crypto::verifyDeviceList(blob, aik, userId, 0);
    if (!list) {
        const auto why = crypto::cryptoErrorOf(list.error());
        if (why == crypto::CryptoError::IdentityMismatch)
            return session->sendError(
                requestId, Error{ErrorCode::Forbidden,
                                 QStringLiteral("a device list must name your own account")});
        return session->sendError(
            requestId, badFrame(why == crypto::CryptoError::BadSignature
                                    ? "device list signature does not verify under account_key"
                                    : "malformed device list"));
    }
    if (list->devices.size() > limits::kMaxDevicesPerUser)
        return session->sendError(
            requestId, Error{ErrorCode::TooLarge, QStringLiteral("more than 16 devices listed")});
    std::vector<quint64> ids;
    std::vector<QByteArray> dsks, diks;
    for (const auto &d : list->devices) {
        ids.push_back(d.deviceId);
        dsks.push_back(d.dsk);
        diks.push_back(d.dik);
    }
    QPointer<Session> guard(session);
    m_pool->forKey(userId)->exec(
        PgQuery{"SELECT tidings_publish_device_list($1, $2, $3, $4, $5::bigint[], "
                "$6::bytea[], $7::bytea[])",
                {},
                {}}
            .arg(userId)
            .arg(list->version)
            .argBytes(blob)
            .argBytes(aik)
            .arg(pgarray::ints(ids))
            .arg(pgarray::byteas(dsks))
            .arg(pgarray::byteas(diks)),
        [this, guard, requestId, userId](PgResult r) {
            if (!r.ok() || r.rows() != 1) {
                if (guard)
                    guard->sendError(requestId, databaseError(r, lcKeys()));
                return;
            }
            const int status = int(r.int64(0, 0));
            if (status == 0)
                m_directory->invalidateUser(userId);
            if (!guard)
                return;
            switch (status) {
            case 0:
                return sendOk(guard, requestId);
            case 1:
                return guard->sendError(
                    requestId, identityMismatch("account key differs from the pinned one"));
            case 2:
                return guard->sendError(
                    requestId, Error{ErrorCode::Forbidden, QStringLiteral("stale version")});
            case 3:
                return guard->sendError(
                    requestId,
                    badFrame("a listed device is not yours, is revoked or has published no keys"));
            default:
                return guard->sendError(requestId,
                                        identityMismatch("a listed device published other keys"));
            }
        });
}

void KeyService::deviceList(Session *session, quint64 requestId,
                            const wire::DeviceListRequest &req) {
    const quint64 target = req.user_id();
    QPointer<Session> guard(session);
    m_pool->forKey(target)->exec(
        PgQuery{"SELECT l.signed_list, l.account_key FROM users u "
                "LEFT JOIN device_lists l ON l.user_id = u.id WHERE u.id = $1",
                {},
                {}}
            .arg(target),
        [guard, requestId, target](PgResult r) {
            if (!guard)
                return;
            if (!r.ok())
                return guard->sendError(requestId, databaseError(r, lcKeys()));
            if (r.rows() == 0)
                return guard->sendError(
                    requestId, Error{ErrorCode::NoSuchUser, QStringLiteral("no such user")});
            protocol::Frame out;
            out.set_request_id(requestId);
            auto *list = out.mutable_device_list_response();
            list->set_user_id(target);
            if (!r.isNull(0, 0)) {
                list->set_signed_list(r.bytea(0, 0).toStdString());
                list->set_account_key(r.bytea(0, 1).toStdString());
            }
            guard->send(out);
        });
}

void KeyService::linkRelay(Session *session, quint64 requestId, const wire::LinkRelayRequest &req) {
    // Only between the caller's own devices, and only live: the blob is never stored.
    Session *to = m_router->sessionOfDevice(req.device_id());
    if (!to || to == session || to->userId() != session->userId() ||
        to->state() != Session::State::Authenticated)
        return session->sendError(
            requestId,
            Error{ErrorCode::NoSuchDevice, QStringLiteral("no such device of yours online")});
    protocol::Frame push;
    push.mutable_link_relay_push()->set_from_device_id(session->deviceId());
    push.mutable_link_relay_push()->set_blob(req.blob());
    to->send(push);
    sendOk(session, requestId);
}

void KeyService::deviceRevoked(quint64 userId, quint64 deviceId) {
    Q_UNUSED(deviceId);
    m_directory->invalidateUser(userId);
}

} // namespace tidings::server
