#include "core/sync/peer_key_fetcher.h"

#include "core/logging.h"
#include "core/sync/request_join.h"

#include <QDateTime>

#include <memory>

namespace tidings::client {

using e2e::DeviceAddress;

PeerKeyFetcher::PeerKeyFetcher(e2e::E2eEngine *engine, FrameSink *sink, const AccountSettings &me,
                               QObject *parent)
    : QObject(parent)
    , m_engine(engine)
    , m_sink(sink)
    , m_me(me) {}

std::optional<qint64> PeerKeyFetcher::fetchedAt(quint64 userId) const {
    const auto it = m_listFetched.constFind(userId);
    if (it == m_listFetched.constEnd())
        return std::nullopt;
    return *it;
}

void PeerKeyFetcher::refreshDeviceList(quint64 userId, std::function<void(Status)> done) {
    Frame f;
    f.mutable_device_list_request()->set_user_id(userId);
    m_sink->request(std::move(f), [=, this](Result<Frame> r) {
        if (!r) {
            done(r.error());
            return;
        }
        if (r->body_case() != Frame::kDeviceListResponse) {
            done(Error{ErrorCode::BadFrame, QStringLiteral("unexpected answer to a device list")});
            return;
        }
        m_listFetched.insert(userId, QDateTime::currentMSecsSinceEpoch());
        if (r->device_list_response().signed_list().empty()) {
            done({}); // no keys published: no devices to encrypt for
            return;
        }
        auto update = m_engine->acceptDeviceList(r->device_list_response());
        if (!update) {
            // A list that does not verify (bad signature, rollback) is ignored: the old one stays.
            qCWarning(lcSync) << "device list of user" << userId
                              << "rejected:" << update.error().toString();
            done({});
            return;
        }
        if (update->identityChanged)
            emit identityChanged(userId);
        done({});
    });
}

void PeerKeyFetcher::fetchMissingLists(const QList<quint64> &users,
                                       std::function<void(Status)> done) {
    QList<quint64> missing;
    for (quint64 u : users) {
        if (!m_listFetched.contains(u) && m_engine->currentDevices(u).isEmpty())
            missing.append(u);
    }
    if (missing.isEmpty()) {
        done({});
        return;
    }
    auto join = std::make_shared<RequestJoin>();
    join->pending = int(missing.size());
    join->done = std::move(done);
    for (quint64 u : missing)
        refreshDeviceList(u, [join](Status s) { join->finish(s); });
}

void PeerKeyFetcher::ensureSessions(const QList<quint64> &users, std::function<void(Status)> done) {
    fetchMissingLists(users, [=, this](Status s) {
        if (!s) {
            done(s);
            return;
        }
        fetchMissingSessions(users, done);
    });
}

void PeerKeyFetcher::fetchMissingSessions(const QList<quint64> &users,
                                          std::function<void(Status)> done) {
    QHash<quint64, QList<quint64>> perUser;
    // Every listed device, not narrowed to what the server last called current: a session with a
    // device the server does not list yet costs nothing.
    for (quint64 u : users) {
        for (const DeviceAddress &d : m_engine->currentDevices(u)) {
            if (d.userId == m_me.userId && d.deviceId == m_me.deviceId)
                continue;
            if (!m_engine->hasSession(d))
                perUser[d.userId].append(d.deviceId);
        }
    }
    if (perUser.isEmpty()) {
        done({});
        return;
    }
    auto join = std::make_shared<RequestJoin>();
    join->pending = int(perUser.size());
    join->done = std::move(done);
    for (auto it = perUser.cbegin(); it != perUser.cend(); ++it) {
        Frame f;
        auto *req = f.mutable_fetch_bundles_request();
        req->set_user_id(it.key());
        for (quint64 device : it.value())
            req->add_device_ids(device);
        m_sink->request(std::move(f), [=, this](Result<Frame> r) {
            if (!r) {
                join->finish(r.error());
                return;
            }
            if (r->body_case() != Frame::kBundlesResponse) {
                join->finish(Error{ErrorCode::BadFrame, QStringLiteral("unexpected answer")});
                return;
            }
            auto accepted = m_engine->acceptBundles(r->bundles_response());
            if (!accepted)
                qCWarning(lcSync) << "bundles rejected:" << accepted.error().toString();
            join->finish(accepted);
        });
    }
}

} // namespace tidings::client
